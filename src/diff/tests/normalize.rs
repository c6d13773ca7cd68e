//! Expression normalization on arbitrary text.

use super::*;

#[test]
fn normalization_never_panics_on_arbitrary_text() {
    // A deterministic stream of short strings over the characters that matter to the
    // tokenizer: quotes, brackets, casts, escapes, multi-byte text.
    const ALPHABET: &[char] = &[
        '(', ')', '[', ']', '\'', '"', ',', '.', ':', ':', '-', '+', '*', '/', ' ', 'a', 'Z', '0',
        '9', '_', '$', '\\', 'E', 'é', '~', '!', '<', '>', '=', '%',
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..5000 {
        let len = (next() % 40) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        let _ = normalize_expr(&text);
        let _ = types::canonical(&text);
        let _ = crate::declared::check_expression(&text);
    }
    for text in [
        "in (",
        "not in ((",
        "::",
        "x::",
        "'",
        "E'\\",
        "(((",
        ")))",
        "a in ()",
    ] {
        let _ = normalize_expr(text);
    }
}
