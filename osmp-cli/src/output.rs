//! What the user sees: stream messages, responses and events, for people (text, tables, a
//! progress bar on stderr) or for scripts (`--json`: one JSON message per line on stdout).

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use osmp::standard::{Apropos, CommandHelp, CommandSummary, Help, SetHelp};
use osmp::wire::{EventItem, Message, Nr, Payload, Response, StreamItem};
use serde_json::{json, Value};

/// How a response's data is shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    /// The result text, then the data as indented JSON (`OK` when there is neither; an empty
    /// object is no data).
    Generic,
    /// `help`: the command list as a table, or one command in detail.
    Help,
    /// `apropos`: the matches as a table.
    Apropos,
    /// The data alone, as indented JSON (`schema`: a document to save or pipe).
    DataOnly,
}

impl Render {
    /// The rendering for a command typed by name (in `osmp call` or the shell).
    pub fn for_command(command: &str) -> Render {
        match command.to_ascii_lowercase().replace('-', "").as_str() {
            "help" | "?" => Render::Help,
            "apropos" | "ap" => Render::Apropos,
            _ => Render::Generic,
        }
    }
}

/// The progress bar's current shape.
#[derive(Debug, Clone, Copy, PartialEq)]
enum BarMode {
    /// Whole numbers: `pos/len`.
    Counted,
    /// Fractions, scaled to per mille: a percentage.
    Fraction,
    Spinner,
}

struct Bar {
    bar: ProgressBar,
    mode: BarMode,
}

/// Writes everything the user sees.
pub struct Output {
    json: bool,
    bar: Option<Bar>,
}

impl Output {
    pub fn new(json: bool) -> Output {
        Output { json, bar: None }
    }

    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Writes to stdout (above the progress bar, if one is shown). A closed stdout (`| head`)
    /// ends the program quietly.
    fn write(&mut self, text: &str) {
        let write = || {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())
        };
        let result = match &self.bar {
            Some(bar) => bar.bar.suspend(write),
            None => write(),
        };
        if let Err(error) = result {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("error: cannot write the output: {error}");
            std::process::exit(1);
        }
    }

    /// Writes a whole line.
    fn line(&mut self, text: &str) {
        self.write(&format!("{text}\n"));
    }

    /// One line of output as it is.
    pub fn text_line(&mut self, text: &str) {
        self.line(text);
    }

    /// One JSON value as a line.
    pub fn json_line(&mut self, value: &serde_json::Value) {
        self.line(&value.to_string());
    }

    /// A remark for the user on stderr (not part of the output).
    pub fn note(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    /// One stream message of command `nr`.
    pub fn stream(&mut self, nr: Nr, command: &str, item: &StreamItem) {
        if self.json {
            let data = serde_json::to_value(item).unwrap_or(Value::Null);
            self.line(&json!({"type": "stream", "cmd-nr": nr, "id": command, "data": data}).to_string());
            return;
        }
        match item {
            StreamItem::Progress { value, total, message } => self.progress(*value, *total, message.as_deref()),
            StreamItem::ProgressIndeterminate { message } => self.spinner(message.as_deref()),
            StreamItem::ProgressComplete => self.end_progress(),
            // The specification's `text` items are whole messages ("Streaming logger(s)
            // 'Director' >= level DEBUG", then "Cancel cmd 2 to stop this stream."): each
            // is shown on a line of its own, as a `line` item is.
            StreamItem::Text(text) => self.line(text.strip_suffix('\n').unwrap_or(text)),
            StreamItem::Line(line) => self.line(line),
            StreamItem::Data(data) => self.line(data.get()),
        }
    }

    fn bar(&mut self, mode: BarMode) -> &ProgressBar {
        let mut fresh = self.bar.is_none().then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()));
        let bar = self.bar.get_or_insert_with(|| Bar {
            bar: fresh.take().unwrap_or_else(ProgressBar::hidden),
            mode: BarMode::Spinner,
        });
        if bar.mode != mode || bar.bar.length().is_none() {
            let template = match mode {
                BarMode::Counted => "[{bar:40.cyan/blue}] {pos}/{len} {wide_msg}",
                BarMode::Fraction => "[{bar:40.cyan/blue}] {percent:>3}% {wide_msg}",
                BarMode::Spinner => "{spinner:.cyan} {wide_msg} {elapsed}",
            };
            let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.bar.set_style(style);
            if mode == BarMode::Spinner {
                bar.bar.enable_steady_tick(Duration::from_millis(100));
            } else {
                bar.bar.disable_steady_tick();
                if bar.bar.length().is_none() {
                    bar.bar.set_length(0);
                }
            }
            bar.mode = mode;
        }
        &bar.bar
    }

    fn progress(&mut self, value: f64, total: f64, message: Option<&str>) {
        if !value.is_finite() || !total.is_finite() || total <= 0.0 {
            return self.spinner(message);
        }
        let whole = |n: f64| n.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&n);
        let (mode, position, length) = if whole(value) && whole(total) {
            (BarMode::Counted, value as u64, total as u64)
        } else {
            (BarMode::Fraction, ((value / total).clamp(0.0, 1.0) * 1000.0) as u64, 1000)
        };
        let bar = self.bar(mode);
        bar.set_length(length);
        bar.set_position(position.min(length));
        if let Some(message) = message {
            bar.set_message(message.to_owned());
        }
    }

    fn spinner(&mut self, message: Option<&str>) {
        let bar = self.bar(BarMode::Spinner);
        if let Some(message) = message {
            bar.set_message(message.to_owned());
        }
    }

    fn end_progress(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.bar.finish_and_clear();
        }
    }

    /// The command's stream is over: the bar goes.
    pub fn end_stream(&mut self) {
        self.end_progress();
    }

    /// An OK response.
    pub fn response(&mut self, response: &Response, render: Render) {
        if self.json {
            return self.line(&Message::Response(response.clone()).to_json());
        }
        let data = response.data.as_ref().filter(|data| !data.is_null());
        let rendered = match render {
            Render::Help => data.and_then(|data| data.decode::<Help>().ok()).map(|help| match help {
                Help::List(list) => command_table(&list.commands),
                Help::Detail(detail) => command_detail(&detail),
                Help::Set(set) => set_detail(&set),
            }),
            Render::Apropos => data.and_then(|data| data.decode::<Apropos>().ok()).map(|found| {
                let rows: Vec<CommandSummary> = found
                    .commands
                    .into_iter()
                    .map(|m| CommandSummary {
                        command: m.command,
                        aliases: m.aliases,
                        instruction_set: m.instruction_set,
                        description: m.description,
                    })
                    .collect();
                if rows.is_empty() {
                    "no command matches\n".to_owned()
                } else {
                    command_table(&rows)
                }
            }),
            Render::DataOnly => Some(data.map(pretty).unwrap_or_default()),
            Render::Generic => None,
        };
        let text = rendered.unwrap_or_else(|| {
            let mut text = String::new();
            if let Some(result) = &response.result {
                text.push_str(result);
                text.push('\n');
            }
            if let Some(data) = data.filter(|data| worth_showing(data)) {
                text.push_str(&pretty(data));
            }
            if text.is_empty() {
                text.push_str("OK\n");
            }
            text
        });
        let text = text.strip_suffix('\n').unwrap_or(&text).to_owned();
        self.line(&text);
    }

    /// An ERROR response: the raw message with `--json`, its data (if any) otherwise. Its
    /// text goes to stderr as the error line.
    pub fn error_response(&mut self, response: &Response) {
        if self.json {
            self.line(&Message::Response(response.clone()).to_json());
        } else if let Some(data) = response.data.as_ref().filter(|data| worth_showing(data)) {
            let text = pretty(data);
            self.line(text.trim_end());
        }
    }

    /// A received event.
    pub fn event(&mut self, item: &EventItem) {
        self.line(&event_text(item, self.json));
    }
}

/// An event as one line (without its newline): `NAME DATA` for people, the message as JSON
/// for scripts.
pub fn event_text(item: &EventItem, json: bool) -> String {
    if json {
        let mut message = json!({"type": "event", "id": item.event});
        if let Some(data) = &item.data {
            message["data"] = data.to_value();
        }
        return message.to_string();
    }
    match &item.data {
        Some(data) => format!("{} {}", item.event, data.get()),
        None => item.event.clone(),
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.end_progress();
    }
}

/// Whether a response's data says anything to people: not `null`, not an empty object.
/// `"data":{}` is how many commands say that they have nothing to return (the
/// specification's `vcall-play`, OK and ERROR alike); shown as `{}` it would only be noise.
fn worth_showing(data: &Payload) -> bool {
    !data.is_null() && !matches!(data.to_value(), Value::Object(fields) if fields.is_empty())
}

/// Indented JSON with a final newline.
fn pretty(data: &Payload) -> String {
    let mut text = serde_json::to_string_pretty(&data.to_value()).unwrap_or_else(|_| data.get().to_owned());
    text.push('\n');
    text
}

/// Rows of cells as aligned columns (two spaces apart; the last column is not padded). A
/// last cell of several lines (a description wrapped by its author) goes on in its column.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| rows.iter().filter_map(|row| row.get(column)).map(|cell| cell.chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            if column + 1 == row.len() {
                let indent = " ".repeat(line.chars().count());
                for (index, part) in cell.lines().enumerate() {
                    if index > 0 {
                        line.push('\n');
                        line.push_str(&indent);
                    }
                    line.push_str(part);
                }
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', widths[column] - cell.chars().count() + 2));
            }
        }
        for part in line.split('\n') {
            text.push_str(part.trim_end());
            text.push('\n');
        }
    }
    text
}

/// The command list: COMMAND, ALIASES, SET, DESCRIPTION.
pub fn command_table(commands: &[CommandSummary]) -> String {
    let header = ["COMMAND", "ALIASES", "SET", "DESCRIPTION"].map(str::to_owned).to_vec();
    let rows: Vec<Vec<String>> = std::iter::once(header)
        .chain(commands.iter().map(|command| {
            vec![
                command.command.clone(),
                command.aliases.join(", "),
                command.instruction_set.clone(),
                command.description.clone(),
            ]
        }))
        .collect();
    table(&rows)
}

/// One instruction set, as `help SET` answers it: its descriptions, then its commands.
pub fn set_detail(set: &SetHelp) -> String {
    let mut text = table(&[
        vec!["SET".to_owned(), set.instruction_set.clone()],
        vec!["DESCRIPTION".to_owned(), set.description.clone()],
    ]);
    let long = set.long_description.trim();
    if !long.is_empty() {
        text.push('\n');
        text.push_str(long);
        text.push('\n');
    }
    text.push('\n');
    let header = ["COMMAND", "ALIASES", "DESCRIPTION"].map(str::to_owned).to_vec();
    let rows: Vec<Vec<String>> = std::iter::once(header)
        .chain(
            set.commands
                .iter()
                .map(|command| vec![command.command.clone(), command.aliases.join(", "), command.description.clone()]),
        )
        .collect();
    text.push_str(&table(&rows));
    text
}

/// The set a command belongs to, with its version when the set declares one (0 is the default).
fn set_and_version(help: &CommandHelp) -> String {
    match help.version {
        0 => help.instruction_set.clone(),
        version => format!("{} (version {version})", help.instruction_set),
    }
}

/// One command in detail, as `help COMMAND` answers it.
pub fn command_detail(help: &CommandHelp) -> String {
    let mut text = table(&[
        vec!["COMMAND".to_owned(), help.command.clone()],
        vec!["ALIASES".to_owned(), help.aliases.join(", ")],
        vec!["SET".to_owned(), set_and_version(help)],
        vec!["DESCRIPTION".to_owned(), help.description.clone()],
    ]);
    let long = help.long_description.trim();
    if !long.is_empty() && long != help.description.trim() {
        text.push('\n');
        text.push_str(long);
        text.push('\n');
    }
    for (title, entries) in [
        ("MANDATORY PARAMETERS", &help.mandatory_params),
        ("OPTIONAL PARAMETERS", &help.optional_params),
        ("RETURN VALUES", &help.return_values),
    ] {
        text.push('\n');
        text.push_str(title);
        text.push('\n');
        if entries.is_empty() {
            text.push_str("  (none)\n");
            continue;
        }
        let rows: Vec<Vec<String>> =
            entries.iter().map(|entry| vec![format!("  {}", entry.name), entry.description.clone()]).collect();
        text.push_str(&table(&rows));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_leave_the_last_unpadded() {
        let rows = vec![
            vec!["COMMAND".to_owned(), "ALIASES".to_owned(), "DESCRIPTION".to_owned()],
            vec!["help".to_owned(), "?".to_owned(), "List commands.".to_owned()],
            vec!["event-subscribe".to_owned(), String::new(), "Subscribe.".to_owned()],
        ];
        assert_eq!(
            table(&rows),
            "COMMAND          ALIASES  DESCRIPTION\n\
             help             ?        List commands.\n\
             event-subscribe           Subscribe.\n"
        );
    }

    #[test]
    fn further_lines_of_a_last_cell_stay_in_its_column() {
        let rows = vec![
            vec!["  priority".to_owned(), "Announcement priority.\nLower numbers win.\n\n41 is default.".to_owned()],
            vec!["  start".to_owned(), "Start at once".to_owned()],
        ];
        assert_eq!(
            table(&rows),
            "  priority  Announcement priority.\n\
             \x20           Lower numbers win.\n\
             \n\
             \x20           41 is default.\n\
             \x20 start     Start at once\n"
        );
    }

    #[test]
    fn null_and_empty_objects_are_not_worth_showing() {
        let payload = |text: &str| Payload::from_json(text).unwrap();
        assert!(!worth_showing(&payload("null")));
        assert!(!worth_showing(&payload("{}")));
        assert!(!worth_showing(&payload(" { } ")));
        for shown in ["{\"a\":null}", "[]", "0", "false", "\"\""] {
            assert!(worth_showing(&payload(shown)), "{shown}");
        }
    }

    #[test]
    fn help_and_apropos_are_recognised_by_name_and_alias() {
        assert_eq!(Render::for_command("HELP"), Render::Help);
        assert_eq!(Render::for_command("?"), Render::Help);
        assert_eq!(Render::for_command("ap"), Render::Apropos);
        assert_eq!(Render::for_command("echo"), Render::Generic);
    }
}
