//! A task's grade: its status and what the learner reads.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not started: its code (or code it runs) is still a `todo!()`.
    Todo,
    /// Every check holds.
    Pass,
    /// A check failed, the code panicked, ran out of time or crashed.
    Fail,
}

impl Status {
    /// `todo`, `pass` or `fail`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Todo => "todo",
            Status::Pass => "pass",
            Status::Fail => "fail",
        }
    }
}

impl fmt::Display for Status {
    /// Its name, padded to the formatter's width.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A status and its message: for a pass what was checked, for a failure
/// where and why (the first line is the headline).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The status.
    pub status: Status,
    /// One or more lines.
    pub message: String,
}

impl Verdict {
    /// A pass, saying what was checked.
    pub fn pass(message: impl Into<String>) -> Self {
        Verdict {
            status: Status::Pass,
            message: message.into(),
        }
    }

    /// A failure, saying where and why.
    pub fn fail(message: impl Into<String>) -> Self {
        Verdict {
            status: Status::Fail,
            message: message.into(),
        }
    }

    /// Not started.
    pub fn todo(message: impl Into<String>) -> Self {
        Verdict {
            status: Status::Todo,
            message: message.into(),
        }
    }

    /// The message's first line.
    pub fn headline(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }
}
