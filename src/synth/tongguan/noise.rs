//! Seeded gradient noise and domain warping.
//!
//! Nearest-seed regions have straight edges; measuring distance from a warped position (the point moved by a
//! smooth noise field) bends those edges into the meanders of field, road and gully lines. Everything is a
//! pure function of the seed and the coordinates, so the same seed gives the same lines.

use geo::Coord;

/// SplitMix64: a well-mixed 64-bit hash, used as a stateless random source keyed by integers.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 2-D gradient (Perlin) noise in about [-1, 1], zero at lattice points, one lattice cell per unit.
#[derive(Clone, Debug)]
pub struct Noise {
    seed: u64,
    /// Unit gradients at evenly spaced angles, picked by hash (cheaper than a sine per lattice point).
    grads: Vec<(f64, f64)>,
}

impl Noise {
    pub fn new(seed: u64) -> Self {
        let grads = (0..64)
            .map(|i| {
                let a = f64::from(i) * std::f64::consts::TAU / 64.0;
                (a.cos(), a.sin())
            })
            .collect();
        Self { seed: mix64(seed), grads }
    }

    fn gradient(&self, ix: i64, iy: i64) -> (f64, f64) {
        let h = mix64(
            self.seed
                ^ (ix as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (iy as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
        );
        self.grads[(h >> 58) as usize]
    }

    /// Noise at (x, y).
    pub fn at(&self, x: f64, y: f64) -> f64 {
        let (fx, fy) = (x.floor(), y.floor());
        let (ix, iy) = (fx as i64, fy as i64);
        let (dx, dy) = (x - fx, y - fy);
        let fade = |t: f64| t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
        let dot = |gx: i64, gy: i64, ox: f64, oy: f64| {
            let g = self.gradient(gx, gy);
            g.0 * ox + g.1 * oy
        };
        let n00 = dot(ix, iy, dx, dy);
        let n10 = dot(ix + 1, iy, dx - 1.0, dy);
        let n01 = dot(ix, iy + 1, dx, dy - 1.0);
        let n11 = dot(ix + 1, iy + 1, dx - 1.0, dy - 1.0);
        let (u, v) = (fade(dx), fade(dy));
        let a = n00 + u * (n10 - n00);
        let b = n01 + u * (n11 - n01);
        (a + v * (b - a)) * std::f64::consts::SQRT_2
    }

    /// Fractal sum of `octaves` octaves (each twice the frequency, half the amplitude), normalised to about [-1, 1].
    pub fn fbm(&self, x: f64, y: f64, octaves: u32) -> f64 {
        let (mut sum, mut amp, mut freq, mut norm) = (0.0, 1.0, 1.0, 0.0);
        for o in 0..octaves {
            // Offsetting each octave keeps lattice points of different octaves from lining up.
            let off = 17.31 * f64::from(o);
            sum += amp * self.at(x * freq + off, y * freq - off);
            norm += amp;
            amp *= 0.5;
            freq *= 2.0;
        }
        sum / norm
    }
}

/// A smooth displacement field: `p` moves by up to about `amp_m` metres, varying over `scale_m` metres.
#[derive(Clone, Debug)]
pub struct Warp {
    nx: Noise,
    ny: Noise,
    pub scale_m: f64,
    pub amp_m: f64,
    pub octaves: u32,
}

impl Warp {
    pub fn new(seed: u64, scale_m: f64, amp_m: f64, octaves: u32) -> Self {
        Self { nx: Noise::new(seed ^ 0x5851_F42D), ny: Noise::new(seed ^ 0x4C95_7F2D), scale_m, amp_m, octaves }
    }

    /// The warped position of `p`.
    pub fn apply(&self, p: Coord<f64>) -> Coord<f64> {
        let (u, v) = (p.x / self.scale_m, p.y / self.scale_m);
        Coord {
            x: p.x + self.amp_m * self.nx.fbm(u, v, self.octaves),
            y: p.y + self.amp_m * self.ny.fbm(u, v, self.octaves),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_bounded_and_smooth() {
        let (a, b) = (Noise::new(7), Noise::new(7));
        let mut max: f64 = 0.0;
        for i in 0..2000 {
            let (x, y) = (i as f64 * 0.137, i as f64 * 0.071 - 40.0);
            assert_eq!(a.at(x, y), b.at(x, y));
            max = max.max(a.fbm(x, y, 4).abs());
            // Lipschitz-like: a tiny step moves the value a little.
            assert!((a.at(x, y) - a.at(x + 1e-4, y)).abs() < 1e-3);
        }
        assert!(max > 0.2 && max <= 1.5, "{max}");
        assert_ne!(Noise::new(8).at(0.5, 0.5), a.at(0.5, 0.5));
    }
}
