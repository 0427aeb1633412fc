//! Fault injection for the simulator: bytes dropped or corrupted on the way out, frames
//! swallowed (a timeout for the host), and a chip reset when a given frame arrives.

use serde::Serialize;

/// Faults to inject, each firing once. Counts are 1-based.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Faults {
    /// Drop the Nth byte the chip sends.
    pub drop_byte: Vec<u64>,
    /// Flip bits in the Nth byte the chip sends.
    pub corrupt_byte: Vec<u64>,
    /// Swallow the Nth frame received without answering (a timeout for the host).
    pub stall_frame: Vec<u64>,
    /// Reset the chip when the Nth frame arrives (the frame is lost).
    pub reset_frame: Vec<u64>,
    /// The stub fails to program the Nth data block it accepted (SPI error 0xC4, reported
    /// with the next command as the stubs do).
    pub spi_fail: Vec<u64>,
}

impl Faults {
    /// Parse `drop@N,corrupt@N,stall@N,reset@N,spi@N` (any number, comma separated).
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (kind, n) = item
                .split_once('@')
                .ok_or_else(|| format!("fault `{item}`: expected KIND@N"))?;
            let n: u64 = n
                .parse()
                .map_err(|_| format!("fault `{item}`: N must be a positive integer"))?;
            if n == 0 {
                return Err(format!("fault `{item}`: N counts from 1"));
            }
            match kind {
                "drop" => f.drop_byte.push(n),
                "corrupt" => f.corrupt_byte.push(n),
                "stall" => f.stall_frame.push(n),
                "reset" => f.reset_frame.push(n),
                "spi" => f.spi_fail.push(n),
                _ => {
                    return Err(format!(
                        "fault `{item}`: kind must be drop, corrupt, stall, reset or spi"
                    ))
                }
            }
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse() {
        let f = Faults::parse("drop@5, corrupt@7,stall@2,reset@9").expect("ok");
        assert_eq!(f.drop_byte, vec![5]);
        assert_eq!(f.corrupt_byte, vec![7]);
        assert_eq!(f.stall_frame, vec![2]);
        assert_eq!(f.reset_frame, vec![9]);
        assert!(Faults::parse("drop@0").is_err());
        assert!(Faults::parse("melt@3").is_err());
        assert!(Faults::parse("drop").is_err());
    }
}
