//! An added column from the tree: its [`NewColumn`] (as [`super::super::column`] reads it from
//! the tokens: the type as written, `NOT NULL`, a value for existing rows, and why adding it
//! rewrites the table) and the tables its `REFERENCES` name.

use sqlparser::ast::{
    ColumnDef, ColumnOption, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    GeneratedAs, GeneratedExpressionMode, ObjectName,
};

use super::super::column::{Call, CONSTRAINT_WORDS, SERIAL_TYPES};
use super::super::{NewColumn, Rewrite};
use super::{folded, Locator};

impl Locator<'_> {
    /// The column `column`, its type written from token `from` to before `to`; `None` when it
    /// has an option not converted here.
    pub(super) fn new_column<'c>(
        &self,
        column: &'c ColumnDef,
        from: usize,
        to: usize,
    ) -> Option<(NewColumn, Vec<&'c ObjectName>)> {
        let mut new = NewColumn {
            type_name: self.type_text(from, to, &[CONSTRAINT_WORDS, &["default"]].concat()),
            ..NewColumn::default()
        };
        if let Some(serial) = serial(&column.data_type) {
            new.rewrite = Some(Rewrite::Volatile(serial));
            new.filled = true;
            new.not_null = true;
        }
        let mut referenced = Vec::new();
        for option in &column.options {
            match &option.option {
                ColumnOption::NotNull | ColumnOption::PrimaryKey(_) => new.not_null = true,
                ColumnOption::ForeignKey(fk) => {
                    new.references = true;
                    referenced.push(&fk.foreign_table);
                }
                ColumnOption::Default(expr) => {
                    new.filled = true;
                    if new.rewrite.is_none() {
                        new.rewrite = default_rewrite(expr)?;
                    }
                }
                ColumnOption::Generated {
                    generated_as,
                    generation_expr,
                    generation_expr_mode,
                    ..
                } => {
                    new.filled = true;
                    new.rewrite = Some(match generation_expr {
                        None => Rewrite::Identity,
                        Some(_) => Rewrite::Generated {
                            stored: *generated_as == GeneratedAs::ExpStored
                                || *generation_expr_mode == Some(GeneratedExpressionMode::Stored),
                        },
                    });
                }
                ColumnOption::Null
                | ColumnOption::Unique(_)
                | ColumnOption::Check(_)
                | ColumnOption::Collation(_) => {}
                _ => return None,
            }
        }
        Some((new, referenced))
    }
}

/// The serial type a column is declared with (`bigserial`), lower-cased.
fn serial(data_type: &DataType) -> Option<String> {
    let DataType::Custom(name, modifiers) = data_type else {
        return None;
    };
    let [part] = name.0.as_slice() else {
        return None;
    };
    let lower = part.as_ident()?.value.to_ascii_lowercase();
    (modifiers.is_empty() && SERIAL_TYPES.contains(&lower.as_str())).then_some(lower)
}

/// Why a default expression is computed per row: the first volatile built-in it calls, else
/// the first function that is not a known built-in. `None` when the expression holds a form
/// not walked here.
fn default_rewrite(expr: &Expr) -> Option<Option<Rewrite>> {
    let mut calls = Vec::new();
    walk(expr, &mut calls)?;
    let mut user = None;
    for name in calls {
        let parts = name
            .0
            .iter()
            .map(|p| p.as_ident())
            .collect::<Option<Vec<_>>>()?;
        let last = parts.last()?;
        let lower = last.value.to_ascii_lowercase();
        match Call::of(&lower, parts.len() > 1) {
            Call::Volatile => return Some(Some(Rewrite::Volatile(format!("{lower}()")))),
            Call::Known => {}
            Call::User if user.is_none() => {
                let shown = match parts.len() {
                    1 => folded(last),
                    n => format!("{}.{}", folded(parts[n - 2]), folded(last)),
                };
                user = Some(Rewrite::UserFunction(format!("{shown}()")));
            }
            Call::User => {}
        }
    }
    Some(user)
}

/// The names of the functions `expr` calls with parentheses, in the order written; `None` for a
/// form of expression not walked here.
fn walk<'e>(expr: &'e Expr, calls: &mut Vec<&'e ObjectName>) -> Option<()> {
    match expr {
        Expr::Value(_)
        | Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::TypedString(_)
        | Expr::Interval(_) => {}
        Expr::Function(f) => {
            let FunctionArguments::List(list) = &f.args else {
                return matches!(f.args, FunctionArguments::None).then_some(());
            };
            calls.push(&f.name);
            for arg in &list.args {
                let arg = match arg {
                    FunctionArg::Unnamed(arg) | FunctionArg::Named { arg, .. } => arg,
                    FunctionArg::ExprNamed { .. } => return None,
                };
                if let FunctionArgExpr::Expr(e) = arg {
                    walk(e, calls)?;
                }
            }
        }
        Expr::Nested(e)
        | Expr::Cast { expr: e, .. }
        | Expr::UnaryOp { expr: e, .. }
        | Expr::Collate { expr: e, .. }
        | Expr::IsNull(e)
        | Expr::IsNotNull(e) => walk(e, calls)?,
        Expr::BinaryOp { left, right, .. } => {
            walk(left, calls)?;
            walk(right, calls)?;
        }
        Expr::AtTimeZone {
            timestamp,
            time_zone,
        } => {
            walk(timestamp, calls)?;
            walk(time_zone, calls)?;
        }
        Expr::Array(array) => array.elem.iter().try_for_each(|e| walk(e, calls))?,
        _ => return None,
    }
    Some(())
}
