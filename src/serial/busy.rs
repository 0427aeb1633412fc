//! Telling the user what the chip is doing while a reply waits for its work (erasing,
//! programming what a compressed block inflates to, MD5 of a large region): the
//! [`ProgressEvent::ChipBusy`] events the CLI turns into a moving spinner on stderr.

use super::loader::Loader;
use super::transport::Transport;
use super::{Progress, ProgressEvent};
use crate::Result;

/// Below this many bytes of chip work (erase, program, MD5) a wait is not announced.
pub const ANNOUNCE_BYTES: u64 = 64 * 1024;

/// "chip {what} {size}", the size in KiB or MiB, for [`ProgressEvent::ChipBusy`].
pub fn describe(what: &str, bytes: u64) -> String {
    format!("chip {what} {}", crate::report::size_approx(bytes))
}

/// Below this size an MD5 is not announced as chip work (0.25 s at 2 MB/s).
pub const MD5_ANNOUNCE_BYTES: u64 = 512 * 1024;

/// Send [`ProgressEvent::ChipBusy`] for `bytes` of work `what` when they reach
/// `min` (at least [`ANNOUNCE_BYTES`]); true when sent.
pub fn announce(progress: Progress, what: &str, bytes: u64, min: u64) -> bool {
    if bytes < min.max(ANNOUNCE_BYTES) {
        return false;
    }
    progress(ProgressEvent::ChipBusy(Some(describe(what, bytes))));
    true
}

/// The chip's MD5 of a region, announced as chip work when it is large.
pub fn md5<T: Transport>(
    loader: &mut Loader<T>,
    addr: u32,
    size: u32,
    progress: Progress,
) -> Result<[u8; 16]> {
    let busy = announce(
        progress,
        "computing the MD5 of",
        u64::from(size),
        MD5_ANNOUNCE_BYTES,
    );
    let r = loader.md5(addr, size);
    if busy {
        progress(ProgressEvent::ChipBusy(None));
    }
    r
}
