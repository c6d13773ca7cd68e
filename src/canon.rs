//! Canonicalization of declared expressions (defaults, checks, index expressions and predicates)
//! by PostgreSQL itself, inside a transaction that is always rolled back.
