//! Integration tests: repair.
