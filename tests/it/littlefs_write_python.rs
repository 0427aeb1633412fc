//! The LittleFS rebuild against the reference implementation: littlefs-python (the C littlefs)
//! mounts what `fs::littlefs_write::build` writes, lists exactly the files, reads them back
//! byte for byte, and can keep writing to it. Skipped when littlefs-python is missing, except
//! under CI.

use crate::common;

use std::process::Command;

use espdump::formats::fs::littlefs_write;

const SCRIPT: &str = r#"
import sys, json, littlefs
path, bs, bc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = bytearray(open(path, 'rb').read())
ctx = littlefs.UserContext(buffsize=len(data))
ctx.buffer[:] = data
fs = littlefs.LittleFS(context=ctx, block_size=bs, block_count=bc, mount=True)
out = {}
for name in sorted(fs.listdir('/')):
    with fs.open('/' + name, 'rb') as f:
        out[name] = f.read().hex()
# The file system stays writable: append a file and read it back.
with fs.open('/after.txt', 'wb') as f:
    f.write(b'still writable')
with fs.open('/after.txt', 'rb') as f:
    assert f.read() == b'still writable'
print(json.dumps(out))
"#;

use common::littlefs_python_available as available;

#[test]
fn littlefs_python_reads_rebuilt_images() {
    if !available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (bs, bc) in [(4096usize, 32usize), (8192, 24), (512, 256)] {
        let mut files: Vec<(String, Vec<u8>)> = vec![
            (
                "cfg.json".into(),
                br#"{"rev":[1,0],"hw":{"led":{"total":30}}}"#.to_vec(),
            ),
            ("empty.txt".into(), Vec::new()),
            ("presets.json".into(), b"{\"0\":{}}".to_vec()),
        ];
        for (i, n) in [1usize, bs - 8, bs, bs + 1, 3 * bs + 5, 9 * bs + 17]
            .iter()
            .enumerate()
        {
            let d: Vec<u8> = (0..*n).map(|j| (j * 7 + i * 13 + (j >> 9)) as u8).collect();
            files.push((format!("f{i}.bin"), d));
        }
        let img = littlefs_write::build(bs, bc, 0x0002_0000, 255, &files).unwrap();
        let p = dir.path().join(format!("lfs-{bs}.bin"));
        std::fs::write(&p, &img).unwrap();
        let out = Command::new("python3")
            .args([
                "-c",
                SCRIPT,
                p.to_str().unwrap(),
                &bs.to_string(),
                &bc.to_string(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bs {bs}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&out.stdout).unwrap();
        let mut names: Vec<&String> = got.keys().collect();
        names.sort();
        let mut want: Vec<&String> = files.iter().map(|f| &f.0).collect();
        want.sort();
        assert_eq!(names, want, "bs {bs}");
        for (n, d) in &files {
            assert_eq!(got[n].as_str().unwrap(), hex::encode(d), "bs {bs} {n}");
        }
    }
}
