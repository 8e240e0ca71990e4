//! Running a command with a time limit, keeping the end of what it prints.
//!
//! Only `std`: the child's standard output and error are drained by two
//! threads (a full pipe would stall it), and the caller polls `try_wait`
//! until the child ends or the limit passes, then kills it.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How much of each stream is kept: its last bytes, enough for a panic
/// message or a runtime's last words, whatever a loop printed before.
const KEPT: usize = 8 * 1024;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The process exited (or was ended by a signal) on its own.
    Exited(ExitStatus),
    /// It was still running at the limit, and was killed.
    TimedOut,
}

/// A finished run.
#[derive(Clone, Debug)]
pub(crate) struct Finished {
    /// How it ended.
    pub ending: Ending,
    /// The last bytes of its standard error, as text.
    pub stderr_tail: String,
}

/// Runs `command` (its standard input closed) until it ends or `limit` passes.
pub(crate) fn run(command: &mut Command, limit: Duration) -> io::Result<Finished> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let ending = wait(&mut child, limit)?;
    let _ = stdout.join();
    let stderr_tail = stderr.join().unwrap_or_default();
    Ok(Finished { ending, stderr_tail })
}

fn wait(child: &mut Child, limit: Duration) -> io::Result<Ending> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Ending::Exited(status));
        }
        if Instant::now() >= deadline {
            // It may have ended just now; either way it is gone after this.
            let _ = child.kill();
            child.wait()?;
            return Ok(Ending::TimedOut);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Reads `stream` to its end on a thread, keeping its last [`KEPT`] bytes.
fn drain(stream: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut kept: VecDeque<u8> = VecDeque::with_capacity(KEPT);
        if let Some(mut stream) = stream {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = stream.read(&mut buffer) {
                kept.extend(&buffer[..n]);
                let excess = kept.len().saturating_sub(KEPT);
                kept.drain(..excess);
            }
        }
        String::from_utf8_lossy(kept.make_contiguous()).into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn a_quick_command_exits_with_its_tail() {
        let finished = run(&mut shell("echo hello; echo oops >&2; exit 3"), Duration::from_secs(10)).unwrap();
        let Ending::Exited(status) = finished.ending else {
            panic!("{finished:?}")
        };
        assert_eq!(status.code(), Some(3));
        assert_eq!(finished.stderr_tail, "oops\n");
    }

    #[test]
    fn a_loop_is_stopped_at_the_limit_and_its_output_capped() {
        let finished = run(
            &mut shell("while :; do echo spin >&2; done"),
            Duration::from_millis(300),
        )
        .unwrap();
        assert_eq!(finished.ending, Ending::TimedOut);
        assert!(finished.stderr_tail.len() <= KEPT);
        assert!(finished.stderr_tail.is_empty() || finished.stderr_tail.contains("spin"));
    }
}
