//! File I/O at the edge: reading inputs with clear errors, writing outputs atomically.

use super::exit::CliError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Read a whole input file. A directory, a missing file or an empty file is a one-line error.
pub fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::input(format!("{}: {}", path.display(), io_reason(&e))))?;
    if meta.is_dir() {
        return Err(CliError::input(format!(
            "{}: is a directory, expected a flash dump or image file",
            path.display()
        )));
    }
    let data = std::fs::read(path)
        .map_err(|e| CliError::input(format!("{}: {}", path.display(), io_reason(&e))))?;
    if data.is_empty() {
        return Err(CliError::input(format!(
            "{}: file is empty",
            path.display()
        )));
    }
    Ok(data)
}

/// Short reason for an I/O error, without Rust's "(os error N)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// Write `data` to `path` atomically: a temporary file in the same folder, synced, then renamed.
/// Nothing is left behind on failure.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.is_dir() {
        return Err(CliError::output(format!(
            "{}: is a directory, expected a file name",
            path.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{}.{}.espdump.tmp", name, std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(CliError::output(format!(
            "{}: {}",
            path.display(),
            io_reason(&e)
        )));
    }
    Ok(())
}

/// True when two paths name the same file (by canonical path).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
