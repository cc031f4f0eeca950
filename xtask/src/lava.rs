//! `cargo xtask lava`: a LAVA job definition that runs an example on a lab's DragonBoard 410c.
//!
//! Design notes: the job deploys the example's boot image with the `fastboot` deploy method
//! (image key `boot`, i.e. the boot partition), boots it with the `fastboot` boot method, and
//! judges the run with a `monitors` test action, LAVA's way of checking a console that has no
//! shell: it waits for the `start` text, records one result per line matching `pattern` until
//! the `end` text. The `start` and `end` texts are the first and last lines of the "Expected
//! output" block in the example's doc comment (`expected_output`), the one source of what an
//! example prints; a unit test checks that the pattern matches that block with a pass. See docs/lava.md for submitting the job.

use crate::image;
use crate::progress::Progress;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What an example's console must show on a real board.
pub struct ConsoleExpectation {
    pub example: &'static str,
    /// A regex with named groups `test_case_id` and `result`, matched between the two.
    pub pattern: &'static str,
    /// Maps `result` values to LAVA results (pass/fail).
    pub fixup: &'static [(&'static str, &'static str)],
}

// ANCHOR: expectations
/// The examples that have a LAVA job, with what their console must show.
pub const EXPECTATIONS: &[ConsoleExpectation] = &[ConsoleExpectation {
    example: "hello",
    pattern: r"(?P<test_case_id>running at) (?P<result>EL\d)",
    fixup: &[("EL1", "pass"), ("EL2", "fail"), ("EL3", "fail")],
}];
// ANCHOR_END: expectations

#[derive(Serialize)]
struct Job {
    device_type: &'static str,
    job_name: String,
    timeouts: Timeouts,
    priority: &'static str,
    visibility: &'static str,
    actions: Vec<Action>,
}

#[derive(Serialize)]
struct Timeouts {
    job: Minutes,
    action: Minutes,
    connection: Minutes,
}

#[derive(Serialize)]
struct Minutes {
    minutes: u32,
}

/// One list item of `actions`: a map with exactly one of these keys (serde_norway would write
/// an enum as a YAML tag, which LAVA does not read).
#[derive(Serialize, Default)]
struct Action {
    #[serde(skip_serializing_if = "Option::is_none")]
    deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    boot: Option<Boot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test: Option<Test>,
}

#[derive(Serialize)]
struct Deploy {
    timeout: Minutes,
    to: &'static str,
    images: BTreeMap<&'static str, Url>,
}

#[derive(Serialize)]
struct Boot {
    timeout: Minutes,
    method: &'static str,
}

#[derive(Serialize)]
struct Test {
    timeout: Minutes,
    monitors: Vec<Monitor>,
}

#[derive(Serialize)]
struct Url {
    url: String,
}

#[derive(Serialize)]
struct Monitor {
    name: String,
    start: String,
    end: String,
    pattern: &'static str,
    fixupdict: BTreeMap<&'static str, &'static str>,
}

/// The job definition (YAML text) for `example`, whose boot image a worker fetches from `url`;
/// `documented` is the example's documented output (`expected_output::lines`).
pub fn job_yaml(example: &str, url: &str, documented: &[String]) -> Result<String> {
    let Some(expect) = EXPECTATIONS.iter().find(|e| e.example == example) else {
        let known: Vec<&str> = EXPECTATIONS.iter().map(|e| e.example).collect();
        bail!(
            "example `{example}` has no console expectation for LAVA; examples with one: {}",
            known.join(", ")
        );
    };
    let (Some(start), Some(end)) = (documented.first(), documented.last()) else {
        bail!("example `{example}` documents no expected output");
    };
    let job = Job {
        device_type: "dragonboard-410c",
        job_name: format!("db410c-rs {example}"),
        timeouts: Timeouts {
            job: Minutes { minutes: 15 },
            action: Minutes { minutes: 5 },
            connection: Minutes { minutes: 2 },
        },
        priority: "medium",
        visibility: "public",
        actions: vec![
            Action {
                deploy: Some(Deploy {
                    timeout: Minutes { minutes: 5 },
                    to: "fastboot",
                    images: BTreeMap::from([(
                        "boot",
                        Url {
                            url: url.to_owned(),
                        },
                    )]),
                }),
                ..Default::default()
            },
            Action {
                boot: Some(Boot {
                    timeout: Minutes { minutes: 2 },
                    method: "fastboot",
                }),
                ..Default::default()
            },
            Action {
                test: Some(Test {
                    timeout: Minutes { minutes: 2 },
                    monitors: vec![Monitor {
                        name: format!("{example}-console"),
                        start: start.clone(),
                        end: end.clone(),
                        pattern: expect.pattern,
                        fixupdict: expect.fixup.iter().copied().collect(),
                    }],
                }),
                ..Default::default()
            },
        ],
    };
    serde_norway::to_string(&job).context("serialising the LAVA job")
}

/// `cargo xtask lava EXAMPLE`: builds the boot image and writes the job; returns its path.
/// Without `image_url` the job points at the built image as a `file://` URL (a worker on
/// this machine); a lab needs an http(s) URL it can download (docs/lava.md).
pub fn run(
    root: &Path,
    example: &str,
    out: Option<&Path>,
    image_url: Option<&str>,
    progress: &Progress,
) -> Result<PathBuf> {
    // Fail on an example without expectations before building anything.
    let documented = crate::expected_output::lines(root, example)?;
    job_yaml(example, "", &documented)?;
    let image = image::build_image(root, example, None, progress)?;
    let url = match image_url {
        Some(url) => url.to_owned(),
        None => format!(
            "file://{}",
            image.canonicalize().unwrap_or(image.clone()).display()
        ),
    };
    let yaml = job_yaml(example, &url, &documented)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| image.with_file_name(format!("{example}.lava.yaml")));
    std::fs::write(&out, yaml).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(out)
}

/// Checks that `yaml` is a job with the keys a LAVA server requires (used by the tests and
/// `cargo xtask test`).
pub fn check_job(yaml: &str, example: &str) -> Result<()> {
    use serde_norway::Value;
    let job: Value = serde_norway::from_str(yaml).context("the job is not valid YAML")?;
    let get = |v: &Value, key: &str| -> Result<Value> {
        v.get(key)
            .cloned()
            .with_context(|| format!("missing key `{key}`"))
    };
    anyhow::ensure!(
        get(&job, "device_type")? == "dragonboard-410c",
        "wrong device_type"
    );
    let name = get(&job, "job_name")?;
    anyhow::ensure!(
        name.as_str().is_some_and(|n| n.contains(example)),
        "job_name does not name {example}"
    );
    anyhow::ensure!(
        get(&job, "visibility")? == "public",
        "visibility is not public"
    );
    let timeouts = get(&job, "timeouts")?;
    for key in ["job", "action"] {
        let minutes = get(&get(&timeouts, key)?, "minutes")?;
        anyhow::ensure!(
            minutes.as_u64().is_some_and(|m| m > 0),
            "timeouts.{key}.minutes is not a positive number"
        );
    }
    let actions = get(&job, "actions")?;
    let actions = actions.as_sequence().context("actions is not a list")?;
    let kinds: Vec<String> = actions
        .iter()
        .filter_map(|a| a.as_mapping()?.keys().next()?.as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(
        kinds == ["deploy", "boot", "test"],
        "actions are {kinds:?}, expected deploy, boot, test"
    );
    let deploy = get(&actions[0], "deploy")?;
    anyhow::ensure!(
        get(&deploy, "to")? == "fastboot",
        "deploy is not to fastboot"
    );
    let url = get(&get(&get(&deploy, "images")?, "boot")?, "url")?;
    anyhow::ensure!(
        url.as_str().is_some_and(|u| u.ends_with(".boot.img")),
        "boot image url {url:?}"
    );
    anyhow::ensure!(
        get(&get(&actions[1], "boot")?, "method")? == "fastboot",
        "boot method is not fastboot"
    );
    let monitors = get(&get(&actions[2], "test")?, "monitors")?;
    let monitor = monitors
        .as_sequence()
        .and_then(|m| m.first())
        .context("test has no monitor")?;
    for key in ["name", "start", "end", "pattern"] {
        anyhow::ensure!(
            get(monitor, key)?.as_str().is_some_and(|s| !s.is_empty()),
            "monitor {key} is empty"
        );
    }
    let pattern = get(monitor, "pattern")?;
    let pattern =
        regex::Regex::new(pattern.as_str().unwrap_or_default()).context("monitor pattern")?;
    for group in ["test_case_id", "result"] {
        anyhow::ensure!(
            pattern.capture_names().flatten().any(|n| n == group),
            "pattern lacks group {group}"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented(example: &str) -> Vec<String> {
        let root = crate::process::workspace_root().unwrap();
        crate::expected_output::lines(&root, example).unwrap()
    }

    #[test]
    fn hello_job_has_the_required_keys() {
        let yaml = job_yaml(
            "hello",
            "https://lab.example.org/hello.boot.img",
            &documented("hello"),
        )
        .unwrap();
        check_job(&yaml, "hello").unwrap();
        assert!(yaml.contains("https://lab.example.org/hello.boot.img"));
        assert!(
            yaml.contains("start: Hello from the DragonBoard 410c!"),
            "{yaml}"
        );
        assert!(yaml.contains("end: resetting"), "{yaml}");
    }

    #[test]
    fn expectations_match_the_documented_output() {
        for expect in EXPECTATIONS {
            let lines = documented(expect.example);
            let block = lines.join("\n");
            let re = regex::Regex::new(expect.pattern).unwrap();
            let found = re
                .captures(&block)
                .expect("pattern matches the expected output");
            let result = &found["result"];
            assert!(
                expect.fixup.contains(&(result, "pass")),
                "documented result {result} is not a pass"
            );
            let matched = found.get(0).unwrap();
            let start = block.find(&lines[0]).unwrap();
            let end = block.rfind(lines.last().unwrap().as_str()).unwrap();
            assert!(
                start < matched.start() && matched.end() <= end,
                "the pattern must match between the first and the last documented line"
            );
        }
    }

    #[test]
    fn check_job_rejects_a_job_without_test() {
        let yaml = job_yaml("hello", "https://x/hello.boot.img", &documented("hello")).unwrap();
        let cut = &yaml[..yaml.find("- test:").unwrap()];
        assert!(
            format!("{:#}", check_job(cut, "hello").unwrap_err()).contains("deploy, boot, test")
        );
    }

    #[test]
    fn unknown_example_is_an_error() {
        let message = format!("{:#}", job_yaml("blinky-nope", "u", &[]).unwrap_err());
        assert!(
            message.contains("blinky-nope") && message.contains("hello"),
            "{message}"
        );
    }
}
