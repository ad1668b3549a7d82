//! The arithmetic of a chart: its size and colours as a partner asks for them, scales from
//! values to pixels, round axis ticks, and numbers written for people. Drawing (SVG) is in
//! `api::charts`; nothing here knows a template.

use serde::Deserialize;
use utoipa::ToSchema;

/// The widest and narrowest chart served, in pixels.
pub const WIDTH: std::ops::RangeInclusive<u32> = 200..=1200;
/// The tallest and lowest chart served, in pixels.
pub const HEIGHT: std::ops::RangeInclusive<u32> = 120..=800;
pub const DEFAULT_WIDTH: u32 = 600;
pub const DEFAULT_HEIGHT: u32 = 300;

/// Light or dark: the colours of a widget or chart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// The colours of a theme. Text and lines meet WCAG 2.2 AA (4.5:1) on the background.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub background: &'static str,
    pub text: &'static str,
    pub muted: &'static str,
    pub grid: &'static str,
    pub default_accent: &'static str,
}

impl Theme {
    pub fn palette(self) -> Palette {
        match self {
            // #1a1a1a on white 17.4:1; #595959 on white 7.0:1; #a4262c on white 6.9:1.
            Self::Light => Palette {
                background: "#ffffff",
                text: "#1a1a1a",
                muted: "#595959",
                grid: "#d9d9d9",
                default_accent: "#a4262c",
            },
            // #f2f2f2 on #121417 16.9:1; #b8bec6 on #121417 9.9:1; #ff8a80 on #121417 8.3:1.
            Self::Dark => Palette {
                background: "#121417",
                text: "#f2f2f2",
                muted: "#b8bec6",
                grid: "#3a3f45",
                default_accent: "#ff8a80",
            },
        }
    }
}

/// A partner's accent colour: `#rgb` or `#rrggbb`, kept as lowercase `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accent(String);

impl Accent {
    pub fn parse(s: &str) -> Result<Self, String> {
        let hex = s.strip_prefix('#').unwrap_or(s);
        let valid = matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err("must be a hex colour such as #a4262c or #a42".into());
        }
        let hex = hex.to_ascii_lowercase();
        let full = if hex.len() == 3 {
            hex.chars().flat_map(|c| [c, c]).collect()
        } else {
            hex
        };
        Ok(Self(format!("#{full}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A linear map from a domain of values to a range of pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    /// From `domain` to `range`; a domain of one value maps to the middle of the range.
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self {
            d0: domain.0,
            d1: domain.1,
            r0: range.0,
            r1: range.1,
        }
    }

    pub fn map(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Round ticks covering `min..=max`: about `count` of them, 1, 2 or 5 times a power of ten
/// apart. The first tick is at or below `min`, the last at or above `max`.
pub fn nice_ticks(min: f64, max: f64, count: usize) -> Vec<f64> {
    let (min, max) = if min.is_finite() && max.is_finite() && min <= max {
        (min, max)
    } else {
        (0.0, 1.0)
    };
    let span = if max > min {
        max - min
    } else {
        max.abs().max(1.0)
    };
    let raw = span / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (min / step).floor();
    let last = (max / step).ceil().max(first + 1.0);
    let n = ((last - first) as usize).min(50);
    (0..=n).map(|i| (first + i as f64) * step).collect()
}

/// A number for people: thousands separated by commas, at most one decimal (`4,522`, `44.3`).
pub fn format_number(v: f64) -> String {
    let negative = v < 0.0;
    let rounded = (v.abs() * 10.0).round() / 10.0;
    let whole = rounded.trunc() as u64;
    let tenth = ((rounded - rounded.trunc()) * 10.0).round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if tenth > 0 {
        out.push('.');
        out.push_str(&tenth.to_string());
    }
    if negative && (whole > 0 || tenth > 0) {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accent_is_a_hex_colour_kept_in_full() {
        assert_eq!(Accent::parse("#A4262C").unwrap().as_str(), "#a4262c");
        assert_eq!(Accent::parse("a42").unwrap().as_str(), "#aa4422");
        for bad in ["", "#12", "#12345", "#gggggg", "red", "#a4262c;x", "url(x)"] {
            assert!(Accent::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_scale_maps_ends_to_ends() {
        let s = Scale::new((0.0, 100.0), (300.0, 20.0));
        assert_eq!(s.map(0.0), 300.0);
        assert_eq!(s.map(100.0), 20.0);
        assert_eq!(s.map(50.0), 160.0);
        assert_eq!(Scale::new((5.0, 5.0), (0.0, 10.0)).map(5.0), 5.0);
    }

    #[test]
    fn ticks_are_round_and_cover_the_values() {
        assert_eq!(
            nice_ticks(3875.0, 4522.0, 4),
            vec![3800.0, 4000.0, 4200.0, 4400.0, 4600.0]
        );
        assert_eq!(
            nice_ticks(0.0, 100.0, 5),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        let flat = nice_ticks(200.0, 200.0, 4);
        assert!(flat.len() >= 2 && flat[0] <= 200.0 && *flat.last().unwrap() >= 200.0);
        assert!(nice_ticks(f64::NAN, 1.0, 4).len() >= 2);
    }

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(format_number(4522.0), "4,522");
        assert_eq!(format_number(44.3), "44.3");
        assert_eq!(format_number(1_234_567.0), "1,234,567");
        assert_eq!(format_number(-1100.0), "-1,100");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(12.25), "12.3");
    }
}
