//! A small, self-contained random number generator and the samplers the generator needs.
//!
//! The generator's output must depend on nothing but its configuration, so it does not use an
//! external RNG crate whose algorithms may change between versions: this is xoshiro256++
//! seeded through SplitMix64, with independent streams derived from `(seed, stream, index)`
//! so that story lines and chunks of stories can be generated in parallel and in any order.

/// SplitMix64's finaliser: a good 64-bit mixing function.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator seeded from one number.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            mix(state)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// An independent generator for item `index` of stream `stream` under `seed`.
    pub(crate) fn stream(seed: u64, stream: u64, index: u64) -> Rng {
        Rng::new(mix(
            seed ^ mix(stream.wrapping_mul(0xA076_1D64_78BD_642F) ^ mix(index))
        ))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = self.s;
        let result = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
        let t = s1 << 17;
        let mut s = [s0, s1, s2 ^ s0, s3 ^ s1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        self.s = s;
        result
    }

    /// Uniform in [0, 1).
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n > 0`), without modulo bias worth speaking of (Lemire).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// One of a non-empty list of words.
    pub(crate) fn word<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Standard normal (Box–Muller).
    pub(crate) fn normal(&mut self) -> f64 {
        let u = 1.0 - self.f64();
        let v = self.f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Exponential with mean 1.
    pub(crate) fn exp(&mut self) -> f64 {
        -(1.0 - self.f64()).ln()
    }

    /// Log-normal with the given median and log-scale spread.
    pub(crate) fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// Number of successes before the first failure, each with probability `p`, at most `max`.
    pub(crate) fn geometric(&mut self, p: f64, max: usize) -> usize {
        let mut n = 0;
        while n < max && self.chance(p) {
            n += 1;
        }
        n
    }

    /// Poisson with mean `lambda` (Knuth for small means, normal approximation above 30).
    pub(crate) fn poisson(&mut self, lambda: f64) -> usize {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as usize;
        }
        let limit = (-lambda).exp();
        let mut product = self.f64();
        let mut n = 0;
        while product > limit {
            product *= self.f64();
            n += 1;
        }
        n
    }
}

/// Walker's alias table: O(1) sampling from a fixed discrete distribution.
#[derive(Debug, Clone)]
pub(crate) struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    /// A table over `weights` (non-negative, not all zero).
    pub(crate) fn new(weights: &[f64]) -> Alias {
        let n = weights.len();
        assert!(n > 0 && n < u32::MAX as usize, "alias table needs weights");
        let total: f64 = weights.iter().sum();
        assert!(total > 0.0, "alias table needs a positive weight");
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| prob[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s] = l as u32;
            prob[l] -= 1.0 - prob[s];
            if prob[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in small.into_iter().chain(large) {
            prob[i] = 1.0;
        }
        Alias { prob, alias }
    }

    /// A Zipf–Mandelbrot table over ranks `0..n`: weight `(rank + 1 + q)^-s`.
    pub(crate) fn zipf(n: usize, s: f64, q: f64) -> Alias {
        let weights: Vec<f64> = (0..n).map(|r| (r as f64 + 1.0 + q).powf(-s)).collect();
        Alias::new(&weights)
    }

    /// One index, distributed as the weights.
    pub(crate) fn sample(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len());
        if rng.f64() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(1, 2, 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::stream(1, 2, 3).next_u64(),
            Rng::stream(1, 2, 4).next_u64()
        );
        assert_ne!(
            Rng::stream(1, 2, 3).next_u64(),
            Rng::stream(2, 2, 3).next_u64()
        );
    }

    #[test]
    fn alias_table_follows_its_weights() {
        let table = Alias::new(&[1.0, 0.0, 3.0]);
        let mut rng = Rng::new(7);
        let mut counts = [0usize; 3];
        for _ in 0..40_000 {
            counts[table.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        let ratio = counts[2] as f64 / counts[0] as f64;
        assert!((2.7..3.3).contains(&ratio), "{counts:?}");
    }

    #[test]
    fn samplers_have_the_right_means() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let poisson: usize = (0..n).map(|_| rng.poisson(4.0)).sum();
        assert!((3.8..4.2).contains(&(poisson as f64 / n as f64)));
        let below_ok = (0..n).all(|_| rng.below(7) < 7);
        assert!(below_ok);
        let normal: f64 = (0..n).map(|_| rng.normal()).sum::<f64>() / n as f64;
        assert!(normal.abs() < 0.05);
    }
}
