//! A shape error points at the line of the caller's code that recorded the
//! op (`#[track_caller]`), not at a line inside the engine.
//!
//! This file holds a single test because it installs a process-wide panic hook.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use autograd::Tape;
use ndarray::Array2;

#[test]
fn shape_errors_point_at_the_callers_line() {
    let seen: Arc<Mutex<Vec<(String, u32)>>> = Arc::default();
    let record = Arc::clone(&seen);
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let location = info.location().expect("panics carry a location");
        record
            .lock()
            .unwrap()
            .push((location.file().to_owned(), location.line()));
    }));

    let tape = Tape::new();
    let u = tape.parameter(Array2::zeros((150, 2)));
    let v = tape.parameter(Array2::zeros((4, 2)));
    let mut expected_lines = Vec::new();

    expected_lines.push(line!() + 1);
    let matmul = panic::catch_unwind(AssertUnwindSafe(|| u.matmul(v)));
    expected_lines.push(line!() + 1);
    let sub = panic::catch_unwind(AssertUnwindSafe(|| u - v));
    expected_lines.push(line!() + 1);
    let bias = panic::catch_unwind(AssertUnwindSafe(|| u.add_bias(v)));
    expected_lines.push(line!() + 1);
    let backward = panic::catch_unwind(AssertUnwindSafe(|| tape.backward(u)));

    panic::set_hook(previous);
    assert!(matmul.is_err() && sub.is_err() && bias.is_err() && backward.is_err());
    let seen = seen.lock().unwrap();
    let lines: Vec<u32> = seen.iter().map(|(_, line)| *line).collect();
    assert_eq!(lines, expected_lines);
    for (file, _) in seen.iter() {
        assert!(file.ends_with("panic_location.rs"), "panic located in {file}");
    }
}
