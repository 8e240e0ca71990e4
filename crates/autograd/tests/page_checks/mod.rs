//! What the tests of the tape page share: that a page loads nothing, and
//! headless Chromium: find the browser, open pages with `#selftest`, and
//! read back what each page's self-test saw (`<pre id="adlab-selftest">`,
//! through `--dump-dom`).
//!
//! Without Chromium (Debian's `chromium` package) a browser test says so
//! and passes, unless `ADLAB_REQUIRE_BROWSER` is set (CI sets it): then a
//! missing browser fails it. Shared by `html_page.rs` and the root
//! package's `tests/html_cli.rs`, which include this file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Asserts that `page` loads nothing, so that it works offline from a
/// `file://` URL: three inline scripts (the error catcher, the data, the
/// page), nothing that loads a file or reaches the network, and no URL but
/// the SVG namespace (a name, never fetched).
pub fn assert_self_contained(name: &str, page: &str) {
    assert_eq!(page.matches("<script").count(), 3, "{name}");
    assert_eq!(page.matches("</script>").count(), 3, "{name}");
    for loader in [
        "<link",
        " src=",
        " href=",
        "@import",
        "url(http",
        "fetch(",
        "XMLHttpRequest",
        "<iframe",
    ] {
        assert!(!page.contains(loader), "{name}: {loader}");
    }
    let urls = page.matches("http://").count() + page.matches("https://").count();
    let namespaces = page.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(urls, namespaces, "{name}: a URL other than the SVG namespace");
}

/// How long one browser run may take before it is stopped.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// Chromium, if installed (Debian names it `chromium`, others
/// `chromium-browser`); `None`, with a note, if it is not and the test may
/// pass without it.
///
/// # Panics
/// If it is not installed and `ADLAB_REQUIRE_BROWSER` is set.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        let note = "no chromium on the PATH: the tape page was not tested in a browser \
                    (install Debian's chromium package)";
        let required = std::env::var("ADLAB_REQUIRE_BROWSER").is_ok_and(|value| !value.is_empty() && value != "0");
        assert!(!required, "{note}, and ADLAB_REQUIRE_BROWSER is set");
        eprintln!("note: {note}");
    }
    found
}

/// Writes each `(name, page)` into `folder` as `name.html`, opens them all
/// at once with `#selftest`, and returns each page's self-test report, in
/// order.
///
/// # Panics
/// If a page has no report (it did not load or its script failed to run);
/// the message shows its DOM.
pub fn self_tests(browser: &Path, folder: &Path, pages: &[(&str, &str)]) -> Vec<SelfTest> {
    std::fs::create_dir_all(folder).unwrap();
    thread::scope(|scope| {
        let runs: Vec<_> = pages
            .iter()
            .map(|&(name, page)| {
                let path = folder.join(format!("{name}.html"));
                std::fs::write(&path, page).unwrap();
                scope.spawn(move || {
                    let dom = dump_dom(browser, &path);
                    SelfTest::in_dom(&dom)
                        .unwrap_or_else(|| panic!("{name}: no self-test report in the page; its DOM:\n{dom}"))
                })
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    })
}

/// Opens `page` with `#selftest` in headless Chromium with a fresh profile
/// and returns the DOM after loading.
fn dump_dom(browser: &Path, page: &Path) -> String {
    let profile = page.with_extension("profile");
    let _ = std::fs::remove_dir_all(&profile);
    let url = format!("file://{}#selftest", page.display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let stdout = child.stdout.take().unwrap();
    let reader = thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            panic!("{} did not finish {url} within {BROWSER_TIMEOUT:?}", browser.display());
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(&profile);
    reader.join().unwrap()
}

/// What a page's self-test saw, one line per fact: `forward 0 1 2 ...`,
/// `backward 6 5 4 ...`, `gradient ID ROWS COLS x x x ...`, `error ...`.
#[derive(Clone, Debug)]
pub struct SelfTest {
    /// The report's lines.
    pub lines: Vec<String>,
}

/// One parameter's gradient as the page's last step shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownGradient {
    /// The parameter's node.
    pub id: usize,
    /// Rows and columns.
    pub shape: (usize, usize),
    /// The entries, row by row, in full precision.
    pub values: Vec<f64>,
}

impl SelfTest {
    /// The lines of `<pre id="adlab-selftest">` in a dumped DOM.
    fn in_dom(dom: &str) -> Option<SelfTest> {
        let start = dom.find("<pre id=\"adlab-selftest\"")?;
        let body = &dom[start..];
        let body = &body[body.find('>')? + 1..body.find("</pre>")?];
        Some(SelfTest {
            lines: body.lines().map(str::to_owned).collect(),
        })
    }

    /// The rest of the line that starts with `key` and a space.
    ///
    /// # Panics
    /// If there is no such line.
    pub fn field(&self, key: &str) -> &str {
        self.lines
            .iter()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no '{key}' in the self-test report:\n{}", self.lines.join("\n")))
    }

    /// The node ids on the line `key` (`forward`, `backward`).
    pub fn ids(&self, key: &str) -> Vec<usize> {
        self.field(key)
            .split_whitespace()
            .map(|id| id.parse().unwrap())
            .collect()
    }

    /// The gradients the last step shows, in the page's order.
    pub fn gradients(&self) -> Vec<ShownGradient> {
        let lines = self.lines.iter().filter_map(|line| line.strip_prefix("gradient "));
        lines
            .map(|line| {
                let numbers: Vec<&str> = line.split_whitespace().collect();
                ShownGradient {
                    id: numbers[0].parse().unwrap(),
                    shape: (numbers[1].parse().unwrap(), numbers[2].parse().unwrap()),
                    values: numbers[3..].iter().map(|x| x.parse().unwrap()).collect(),
                }
            })
            .collect()
    }

    /// Checks what every page must show: it ran without an error, stepped
    /// forward once through each of the `nodes` nodes, the ← key stepped
    /// back, and every adjoint the sweep reached is the sum of the
    /// contributions the page drew (to 1e-12).
    ///
    /// # Panics
    /// On the first of these that fails, naming the page.
    pub fn assert_sound(&self, name: &str, nodes: usize) {
        let errors: Vec<&String> = self.lines.iter().filter(|line| line.starts_with("error ")).collect();
        assert!(errors.is_empty(), "{name}: the page reported errors: {errors:?}");
        assert_eq!(
            self.lines.first().map(String::as_str),
            Some("selftest ran"),
            "{name}: {:?}",
            self.lines
        );
        assert_eq!(
            self.ids("forward"),
            (0..nodes).collect::<Vec<_>>(),
            "{name}: forward, once per node"
        );
        assert_eq!(self.field("back-key"), "ok", "{name}: the ← key steps back");
        let mismatch: f64 = self.field("adjoint-mismatch").parse().unwrap();
        assert!(
            mismatch <= 1e-12,
            "{name}: the page's fan-out sums differ from the engine's adjoints by {mismatch}"
        );
    }
}
