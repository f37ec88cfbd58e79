//! Command parameters from the command line: `KEY=VALUE` words and `--data JSON`, and the
//! words of a shell line.

use serde_json::{Map, Value};

/// `KEY=VALUE`; the value is JSON when it parses as JSON, a string otherwise.
pub fn parse_key_value(word: &str) -> Result<(String, Value), String> {
    let Some((key, value)) = word.split_once('=') else {
        return Err(format!("expected KEY=VALUE, got '{word}'"));
    };
    if key.is_empty() {
        return Err(format!("no parameter name before '=' in '{word}'"));
    }
    Ok((key.to_owned(), parse_value(value)))
}

/// A value: JSON if it is valid JSON (`42`, `true`, `[1]`, `"quoted"`), else the text itself.
pub fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// `--data`: a JSON object.
pub fn parse_data(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!("expected a JSON object, got {}", kind(&other))),
        Err(error) => Err(format!("not valid JSON: {error}")),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The parameter object: `data` with the pairs merged in (a pair wins over `data`).
/// `Value::Null` when there is nothing, so that the command is sent without `data`.
pub fn merge(data: Option<Map<String, Value>>, pairs: impl IntoIterator<Item = (String, Value)>) -> Value {
    let mut object = data.unwrap_or_default();
    object.extend(pairs);
    if object.is_empty() {
        Value::Null
    } else {
        Value::Object(object)
    }
}

/// Splits a shell line into words: whitespace separates, '…' and "…" quote (a backslash
/// escapes inside "…" and outside quotes), as a POSIX shell does.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated ' quote".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("unterminated \" quote".to_owned()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("unterminated \" quote".to_owned()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_json_when_they_are_json() {
        let cases = [
            ("n=42", json!(42)),
            ("n=-1.5", json!(-1.5)),
            ("b=true", json!(true)),
            ("x=null", json!(null)),
            ("s=hi", json!("hi")),
            ("s=\"42\"", json!("42")),
            ("s=", json!("")),
            ("l=[1,\"a\"]", json!([1, "a"])),
            ("o={\"a\":{\"b\":1}}", json!({"a": {"b": 1}})),
            ("s=a=b", json!("a=b")),
            ("s=hello world", json!("hello world")),
            ("s={not json", json!("{not json")),
        ];
        for (word, expected) in cases {
            assert_eq!(parse_key_value(word).unwrap().1, expected, "{word}");
        }
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("=1").is_err());
    }

    #[test]
    fn data_must_be_an_object_and_pairs_win() {
        assert!(parse_data("[1]").unwrap_err().contains("an array"));
        assert!(parse_data("{").unwrap_err().contains("not valid JSON"));
        let data = parse_data(r#"{"a":1,"b":2}"#).unwrap();
        assert_eq!(merge(Some(data), [("b".to_owned(), json!(3))]), json!({"a": 1, "b": 3}));
        assert_eq!(merge(None, []), Value::Null);
    }

    #[test]
    fn shell_lines_split_like_a_shell() {
        assert_eq!(split_words("  echo   token=hi ").unwrap(), ["echo", "token=hi"]);
        assert_eq!(split_words("echo token='hello world'").unwrap(), ["echo", "token=hello world"]);
        assert_eq!(split_words(r#"echo token="say \"hi\"""#).unwrap(), ["echo", r#"token=say "hi""#]);
        assert_eq!(split_words(r#"echo token='{"a": 1}'"#).unwrap(), ["echo", r#"token={"a": 1}"#]);
        assert_eq!(split_words(r"echo token=a\ b").unwrap(), ["echo", "token=a b"]);
        assert_eq!(split_words("echo token=''").unwrap(), ["echo", "token="]);
        assert!(split_words("echo 'open").is_err());
        assert!(split_words("").unwrap().is_empty());
    }
}
