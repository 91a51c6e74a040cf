//! The `storyline` binary: a thin shim over the `storyline-cli` crate.

// mimalloc: the index build and the batch allocate and free many small strings from several
// threads; glibc's allocator fragments under that load (higher peak memory, slower frees).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    storyline_cli::main()
}
