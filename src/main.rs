//! The `storyline` binary: a thin shim over the `storyline-cli` crate.

fn main() -> std::process::ExitCode {
    storyline_cli::main()
}
