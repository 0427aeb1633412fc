//! Shared argument types: numbers with `0x` and `k`/`M` suffixes, colour choice, output flags.

use clap::{Args, ValueEnum};

/// Parse `4096`, `0x1000`, `4k`, `2M` (KiB/MiB multiples) into a number.
pub fn parse_num(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (body, mul) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1024u64),
        Some('m' | 'M') => (&t[..t.len() - 1], 1024 * 1024),
        _ => (t, 1),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(h, 16)
    } else {
        body.parse::<u64>()
    }
    .map_err(|_| format!("'{s}' is not a number (use 4096, 0x1000, 4k or 2M)"))?;
    v.checked_mul(mul)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// When stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Resolve against the environment.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
            }
        }
    }
}

/// Output options shared by the offline commands.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Print exactly one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show passwords and keys instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
    /// Colour: auto, always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_num("4096"), Ok(4096));
        assert_eq!(parse_num("0x1000"), Ok(4096));
        assert_eq!(parse_num("4k"), Ok(4096));
        assert_eq!(parse_num("2M"), Ok(2 * 1024 * 1024));
        assert!(parse_num("0xZZ").is_err());
        assert!(parse_num("").is_err());
        assert!(parse_num("99999999999999999999M").is_err());
    }
}
