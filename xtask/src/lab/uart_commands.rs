//! Grading of the lab `uart_commands` (labs/uart_commands/README.md): commands typed at the
//! prompt (`--send-after "> " LINE`, one per prompt), each reply compared with the protocol's,
//! the LEDs checked in the GPIO trace.

use super::grade::{self, Criterion};
use crate::checks::{LED1, LED2, Run, Runner};
use anyhow::Result;

/// The session: each command line and the reply the protocol gives.
const SESSION: [(&str, &str); 11] = [
    ("led 1 on", "ok"),
    ("led 2 on", "ok"),
    ("status", "led1=on led2=on"),
    ("led 1 off", "ok"),
    ("add 2 40", "sum 42"),
    ("add  5   6", "sum 11"),
    ("add 4000000000 300000000", "error: overflow"),
    ("blink", "error: unknown command"),
    ("led 3 on", "error: bad argument"),
    ("add 7", "error: bad argument"),
    ("quit", "bye"),
];

/// The prompt.
const PROMPT: &str = "> ";

/// The reply lines: the console from the first prompt on, line by line, each without its
/// leading prompts; lines that were only a prompt are dropped.
fn replies(run: &Run) -> Vec<String> {
    let Some(start) = run.stdout.find(PROMPT) else {
        return Vec::new();
    };
    run.stdout[start..]
        .split('\n')
        .map(|line| {
            let mut line = line.trim_end_matches('\r');
            while let Some(rest) = line.strip_prefix(PROMPT) {
                line = rest;
            }
            line.trim_end().to_owned()
        })
        .filter(|line| !line.is_empty())
        .collect()
}

pub fn grade(runner: &Runner) -> Result<Vec<Criterion>> {
    let mut args = vec![
        "--trace".to_owned(),
        "gpio".into(),
        "--timeout".into(),
        "5s".into(),
        "--max-instructions".into(),
        "400_000_000".into(),
    ];
    for (line, _) in SESSION {
        args.extend(["--send-after".into(), PROMPT.into(), format!("{line}\\r")]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = runner.run(&args)?;

    let prompted = run.stdout.contains(PROMPT);
    let mut criteria = vec![Criterion::new(
        "the prompt `> ` is printed (every command below is typed after one)",
        prompted,
        "`> `",
        if prompted {
            "`> `".to_owned()
        } else {
            format!(
                "no prompt: the console showed {}",
                grade::list(
                    &grade::console_lines(&run)
                        .iter()
                        .filter(|l| !l.is_empty())
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                )
            )
        },
    )];

    let replies = replies(&run);
    for (n, (line, reply)) in SESSION.iter().enumerate() {
        let seen = replies
            .get(n)
            .map_or("(no reply)".to_owned(), |r| format!("`{r}`"));
        criteria.push(Criterion::equal(
            format!("`{line}` is answered `{reply}`"),
            format!("`{reply}`"),
            seen,
        ));
    }
    if replies.len() > SESSION.len() {
        criteria.push(Criterion::new(
            "one reply line per command",
            false,
            format!("{} replies", SESSION.len()),
            format!(
                "{} more: {}",
                replies.len() - SESSION.len(),
                grade::list(&replies[SESSION.len()..])
            ),
        ));
    }

    let levels = |pad| -> String {
        let changes: Vec<String> = grade::pad_changes(&run, pad)
            .into_iter()
            .map(|(_, level)| level)
            .collect();
        if changes.is_empty() {
            "never changed".into()
        } else {
            changes.join(", ")
        }
    };
    criteria.push(Criterion::equal(
        "the `led` commands drive the LEDs",
        "LED 1: high, low; LED 2: high",
        format!("LED 1: {}; LED 2: {}", levels(LED1), levels(LED2)),
    ));
    criteria.push(grade::ends_with_reset(&run, "`quit` answers `bye`"));
    Ok(criteria)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_the_lines_after_the_prompts() {
        let run = Run {
            stdout: "uart_commands: ready\r\n> ok\r\n> \r\nsum 42\r\n> bye\r\n> ".into(),
            console: Vec::new(),
            stderr: String::new(),
            code: Some(0),
        };
        assert_eq!(replies(&run), ["ok", "sum 42", "bye"]);
    }
}
