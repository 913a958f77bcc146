//! stdout, and how much one write to it may carry.
//!
//! Every write is whole lines, so a kill between writes leaves no half line. A kill *during* a
//! write can: a write to a pipe that has to wait for its reader is cut short by a SIGKILL after
//! the part that fit. POSIX makes writes of at most `PIPE_BUF` (4096 bytes on Linux) atomic, so
//! the safe write is one of 4096 bytes; but a report record is about 2.3 KB, so that is one
//! write(2) per record, and those writes were a quarter of the connector's CPU time.
//!
//! A write that finds room for all its bytes never waits, so nothing can cut it. Linux gives the
//! unread bytes of a pipe (`FIONREAD`) and its capacity (`F_GETPIPE_SZ`); the pipe holds its
//! bytes in page-sized slots, and `pipe_room` turns those two numbers into a size that surely
//! fits. The writer asks for it before a write longer than `PIPE_BUF`, and falls back to
//! `PIPE_BUF` pieces when the reader lags. The pipe is also enlarged to 1 MiB when the system
//! allows it, so that a reader that keeps up always leaves room.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};

/// PIPE_BUF on Linux: a write of at most this many bytes to a pipe is atomic (POSIX).
pub const ATOMIC_WRITE: usize = 4096;

/// The pipe size asked for (the default `/proc/sys/fs/pipe-max-size`).
const WANTED_PIPE_BYTES: libc::c_int = 1024 * 1024;

/// Where the writer's lines go.
pub trait Sink: Write + Send {
    /// How many bytes one write can carry without being cut by a kill. Tests' buffers keep the
    /// default, the atomic size.
    fn room(&mut self) -> usize {
        ATOMIC_WRITE
    }
}

/// The process's stdout, written straight to the file descriptor (std's `Stdout` buffers by
/// line and decides itself where one write ends).
pub struct Stdout {
    file: File,
    /// The pipe's capacity and the page size, when stdout is a pipe.
    pipe: Option<(usize, usize)>,
}

impl Stdout {
    pub fn new(fd: OwnedFd) -> Stdout {
        let raw = fd.as_raw_fd();
        let file = File::from(fd);
        let is_pipe = file
            .metadata()
            .map(|m| std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type()))
            .unwrap_or(false);
        let pipe = is_pipe.then(|| pipe_geometry(raw)).flatten();
        Stdout { file, pipe }
    }
}

/// Enlarges the pipe where allowed, then reads its capacity and the page size.
fn pipe_geometry(fd: libc::c_int) -> Option<(usize, usize)> {
    // SAFETY: fcntl and sysconf on a descriptor this process owns; no memory is passed.
    let (capacity, page) = unsafe {
        // Refused (EPERM above the system's limit, or an old kernel): the pipe keeps its size.
        libc::fcntl(fd, libc::F_SETPIPE_SZ, WANTED_PIPE_BYTES);
        (
            libc::fcntl(fd, libc::F_GETPIPE_SZ),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let capacity = usize::try_from(capacity).ok().filter(|c| *c > 0)?;
    let page = usize::try_from(page).ok().filter(|p| *p > 0)?;
    Some((capacity, page))
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Sink for Stdout {
    fn room(&mut self) -> usize {
        let Some((capacity, page)) = self.pipe else {
            // Not a pipe (a file, a terminal): keep to the atomic size, as before.
            return ATOMIC_WRITE;
        };
        let mut unread: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int through the pointer, which lives on this stack.
        let asked = unsafe { libc::ioctl(self.file.as_raw_fd(), libc::FIONREAD, &mut unread) };
        match usize::try_from(unread) {
            Ok(unread) if asked == 0 => pipe_room(capacity, page, unread),
            _ => ATOMIC_WRITE,
        }
    }
}

/// The bytes a write surely fits in a pipe of `capacity` bytes (slots of one `page` each) that
/// holds `unread` bytes written by this process alone, never less than the atomic size.
///
/// Linux appends a write's first bytes to the last slot only if they fit there whole, and
/// otherwise starts a new slot; so of two neighbouring slots, the second was started only when
/// the first could not take more, and together they hold more than a page. Apart from the slot
/// being read, the slots in use therefore number at most 2·⌈unread / page⌉ + 1; a write of n
/// bytes needs at most ⌈n / page⌉ + 1 slots of its own.
pub fn pipe_room(capacity: usize, page: usize, unread: usize) -> usize {
    let slots = capacity / page.max(1);
    let in_use = 2 * unread.div_ceil(page.max(1)) + 2;
    let free = slots.saturating_sub(in_use).saturating_sub(1);
    (free * page).max(ATOMIC_WRITE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_shrinks_as_the_reader_lags_and_never_below_the_atomic_size() {
        let page = 4096;
        // An empty 1 MiB pipe: 256 slots, 2 counted as in use, one kept for the remainder.
        assert_eq!(pipe_room(1 << 20, page, 0), 253 * page);
        // Half a page unread counts as two slots.
        assert_eq!(pipe_room(1 << 20, page, 2000), 251 * page);
        // The default 64 KiB pipe, 10 KB unread: 16 − (2·3 + 2) − 1 = 7 slots.
        assert_eq!(pipe_room(65536, page, 10_000), 7 * page);
        // A full pipe, or a nonsense capacity: the atomic size.
        assert_eq!(pipe_room(65536, page, 65536), ATOMIC_WRITE);
        assert_eq!(pipe_room(0, page, 0), ATOMIC_WRITE);
        assert_eq!(pipe_room(65536, 0, 100), ATOMIC_WRITE);
    }

    /// A real pipe, filled by writes no larger than the room it reported, with small lines in
    /// between (the slots they start are the worst case), and never read: every write goes
    /// through whole (none would wait, none is cut) until the room is the atomic size.
    #[test]
    fn writes_within_the_room_never_wait() {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 fills the two descriptors of the array.
        assert_eq!(
            unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK) },
            0
        );
        // SAFETY: the descriptors were just made and are owned here alone.
        let (read_end, write_end) = unsafe {
            use std::os::fd::FromRawFd;
            (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
        };
        let mut out = Stdout::new(write_end);
        assert!(out.pipe.is_some(), "a pipe is seen as one");
        let line = [b"x".repeat(2299), b"\n".to_vec()].concat();
        let mut written = 0;
        let mut sizes = Vec::new();
        loop {
            let room = out.room();
            // Pieces of at most 64 KiB, as the writer gathers them, so the pipe fills in steps.
            let lines = room.min(64 * 1024) / line.len();
            if room <= ATOMIC_WRITE || lines == 0 {
                break;
            }
            let bytes = line.repeat(lines);
            // Non-blocking: a write that would wait answers WouldBlock or is short.
            let n = out
                .write(&bytes)
                .expect("a write within the room never has to wait");
            assert_eq!(n, bytes.len(), "a write within the room is never cut");
            written += n;
            sizes.push(n);
            if out.room() > ATOMIC_WRITE {
                let small = b"{\"type\":\"LOG\"}\n";
                assert_eq!(
                    out.write(small).expect("room for a small line"),
                    small.len()
                );
                written += small.len();
            }
        }
        assert!(sizes.len() >= 2, "{sizes:?}");
        // The estimate is careful, not useless: it lets a third of the pipe fill without waiting.
        let capacity = out.pipe.map_or(0, |(c, _)| c);
        assert!(written >= capacity / 3, "{written} of {capacity}");
        drop(read_end);
    }
}
