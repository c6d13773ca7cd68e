//! An error as a JSON document (version 1), for `--format json` runs that fail before they have
//! a report to print: a script parsing stdout still gets one document. Renders only.

use std::io::{self, Write};

use miette::Diagnostic;
use serde_json::json;

/// `{"version": 1, "error": {"code", "message", "help", "causes"}}` on one line.
pub fn json(error: &dyn Diagnostic, out: &mut dyn Write) -> io::Result<()> {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let document = json!({
        "version": 1,
        "error": {
            "code": error.code().map(|code| code.to_string()),
            "message": error.to_string(),
            "help": error.help().map(|help| help.to_string()),
            "causes": causes,
        },
    });
    serde_json::to_writer(&mut *out, &document).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("could not read x.yaml")]
    #[diagnostic(code(driftlint::io::read), help("check the path"))]
    struct ReadFailed(#[source] std::io::Error);

    #[test]
    fn an_error_document_has_code_message_help_and_causes() {
        let error = ReadFailed(std::io::Error::other("no such file"));
        let mut out = Vec::new();
        json(&error, &mut out).unwrap();
        let document: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(document["version"], 1);
        assert_eq!(document["error"]["code"], "driftlint::io::read");
        assert_eq!(document["error"]["message"], "could not read x.yaml");
        assert_eq!(document["error"]["help"], "check the path");
        assert_eq!(document["error"]["causes"][0], "no such file");
    }
}
