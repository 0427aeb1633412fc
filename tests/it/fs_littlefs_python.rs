//! The LittleFS reader against images built by the reference implementation (littlefs-python,
//! the C littlefs compiled for Python): nested directories, inline and CTZ files of sizes around
//! block boundaries, a removed, a renamed and an overwritten file, several block sizes.
//! Needs `pip install littlefs-python==0.19.0`; skipped when missing, except under CI.

use std::process::Command;

use espdump::formats::fs::{self, littlefs, FsKind};

const SCRIPT: &str = r#"
import sys, json, littlefs
bs, bc, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
fs = littlefs.LittleFS(block_size=bs, block_count=bc, name_max=32)
def content(seed, n):
    return bytes((seed * 31 + j * 7 + (j >> 8)) % 256 for j in range(n))
files = {}
def put(path, seed, n):
    with fs.open(path, 'wb') as f:
        f.write(content(seed, n))
    files[path] = (seed, n)
fs.mkdir('/www'); fs.mkdir('/www/img'); fs.mkdir('/empty')
sizes = [0, 1, 17, 100, bs - 8, bs, bs + 1, 3 * bs + 5, 10 * bs + 333]
for i, n in enumerate(sizes):
    put('/f%d.bin' % i, i, n)
put('/www/index.html', 50, 2000)
put('/www/img/logo.png', 51, 5 * bs)
put('/gone.txt', 52, 300)
fs.remove('/gone.txt'); del files['/gone.txt']
put('/old.txt', 53, 40)
fs.rename('/old.txt', '/new.txt'); files['/new.txt'] = files.pop('/old.txt')
put('/f2.bin', 54, 700)
open(out, 'wb').write(bytes(fs.context.buffer))
print(json.dumps({"dirs": ["/empty", "/www", "/www/img"], "files": files}))
"#;

fn content(seed: u64, n: usize) -> Vec<u8> {
    (0..n as u64)
        .map(|j| ((seed * 31 + j * 7 + (j >> 8)) % 256) as u8)
        .collect()
}

use crate::common::littlefs_python_available as available;

#[test]
fn reads_images_built_by_littlefs_python() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (bs, bc) in [(4096usize, 64usize), (8192, 40), (512, 512)] {
        let img = dir.path().join(format!("lfs_{bs}.bin"));
        let out = Command::new("python3")
            .args(["-c", SCRIPT, &bs.to_string(), &bc.to_string()])
            .arg(&img)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let d = std::fs::read(&img).unwrap();
        assert_eq!(d.len(), bs * bc);

        // Found both on its own and inside a larger dump.
        let all = fs::detect_all(&d);
        assert_eq!(all.len(), 1, "bs {bs}");
        let f = &all[0];
        assert_eq!(f.kind, FsKind::Littlefs);
        assert_eq!(
            (f.start, f.end, f.block_size, f.block_count),
            (0, d.len(), bs, bc)
        );
        let mut dump = vec![0xFFu8; 0x10000 + d.len() + 0x4000];
        dump[0x10000..0x10000 + d.len()].copy_from_slice(&d);
        let inner = fs::detect_all(&dump);
        assert_eq!(inner.len(), 1);
        assert_eq!(inner[0].start, 0x10000);

        let list = littlefs::list(&d, f);
        let mut dirs: Vec<String> = list
            .iter()
            .filter(|e| e.is_dir)
            .map(|e| e.path.clone())
            .collect();
        dirs.sort();
        let want_dirs: Vec<String> = manifest["dirs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(dirs, want_dirs, "bs {bs}");
        let files = manifest["files"].as_object().unwrap();
        let mut got: Vec<String> = list
            .iter()
            .filter(|e| !e.is_dir)
            .map(|e| e.path.clone())
            .collect();
        got.sort();
        let mut want: Vec<String> = files.keys().cloned().collect();
        want.sort();
        assert_eq!(got, want, "bs {bs}");
        for (path, v) in files {
            let seed = v[0].as_u64().unwrap();
            let n = v[1].as_u64().unwrap() as usize;
            let e = list.iter().find(|e| &e.path == path).unwrap();
            assert_eq!(e.size as usize, n, "{path}");
            let c = littlefs::read(&d, f, path).unwrap_or_else(|| panic!("bs {bs} {path}"));
            assert_eq!(c, content(seed, n), "bs {bs} {path}");
            assert_eq!(littlefs::read(&dump, &inner[0], path).unwrap(), c);
        }
        assert!(littlefs::read(&d, f, "/gone.txt").is_none());
        assert!(littlefs::read(&d, f, "/old.txt").is_none());
    }
}
