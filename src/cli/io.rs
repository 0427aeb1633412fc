//! File I/O at the edge: reading inputs with clear errors, writing outputs atomically.

use super::exit::CliError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Read a whole input file. A directory, a missing file or an empty file is a one-line error.
pub fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let unreadable =
        |e: std::io::Error| CliError::input(format!("{}: {}", path.display(), io_reason(&e)));
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(CliError::input(format!(
            "{}: is a directory, expected a flash dump or image file",
            path.display()
        )));
    }
    let data = std::fs::read(path).map_err(unreadable)?;
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

/// Write `data` to `path` atomically: a temporary file in the same folder (`tempfile`), synced,
/// then renamed over `path`. Nothing is left behind on failure. The file gets the mode a plain
/// create would give it (0666 less the umask), not the temporary file's 0600.
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
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".espdump.tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let result = (|| -> std::io::Result<()> {
        let mut f = builder.tempfile_in(&dir)?;
        f.write_all(data)?;
        f.as_file().sync_all()?;
        // On failure the temporary file comes back in the error and is removed with it.
        f.persist(path).map_err(|e| e.error)?;
        Ok(())
    })();
    result.map_err(|e| CliError::output(format!("{}: {}", path.display(), io_reason(&e))))
}

/// True when two paths name the same file (by canonical path).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn atomic_write_replaces_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("dump.bin");
        write_atomic(&out, b"first").expect("write");
        write_atomic(&out, b"second").expect("overwrite");
        assert_eq!(std::fs::read(&out).expect("read"), b"second");
        assert_eq!(names(dir.path()), ["dump.bin"]);
        // The mode a plain create gives, not the temporary file's 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain");
            std::fs::File::create(&plain).expect("create");
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode();
            assert_eq!(mode(&out), mode(&plain));
        }
    }

    #[test]
    fn atomic_write_failures_are_output_errors_and_leave_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = write_atomic(dir.path(), b"x").expect_err("a directory");
        assert_eq!(e.exit, super::super::exit::Exit::Output);
        assert!(e.message.ends_with("is a directory, expected a file name"));
        let missing = dir.path().join("no/such/dir/out.bin");
        let e = write_atomic(&missing, b"x").expect_err("no folder");
        assert_eq!(e.exit, super::super::exit::Exit::Output);
        assert!(e.message.ends_with(": no such file"), "{}", e.message);
        assert!(names(dir.path()).is_empty());
    }
}
