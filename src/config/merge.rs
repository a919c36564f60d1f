//! Laying one untyped configuration value over another, key by key: how an `[orgs.NAME]` table
//! falls back to the top-level keys. Untyped so that the typed sections deserialize the result
//! with every default and check they already have.

use config::{Value, ValueKind};

/// Lays `over` onto `base`: tables merge key by key, at every depth; anything else (a string, a
/// number, an array) in `over` replaces what `base` holds. Arrays replace rather than append,
/// so that an org's `[[orgs.NAME.sources]]` or ownership list is the whole list, not an addition
/// to the top-level one that it could never take back.
pub fn merge(base: &mut Value, over: Value) {
    let both_tables = matches!(
        (&base.kind, &over.kind),
        (ValueKind::Table(_), ValueKind::Table(_))
    );
    if !both_tables {
        *base = over;
        return;
    }
    if let (ValueKind::Table(base_table), ValueKind::Table(over_table)) =
        (&mut base.kind, over.kind)
    {
        for (key, value) in over_table {
            match base_table.get_mut(&key) {
                Some(existing) => merge(existing, value),
                None => {
                    base_table.insert(key, value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(toml: &str) -> Value {
        config::Config::builder()
            .add_source(config::File::from_str(toml, config::FileFormat::Toml))
            .build()
            .expect("parses")
            .get::<Value>("x")
            .expect("has x")
    }

    #[test]
    fn tables_merge_at_every_depth_and_other_values_replace() {
        let mut base = value("[x]\na = 1\nlist = [1, 2]\n[x.t]\nb = 2\nc = 3");
        merge(
            &mut base,
            value("[x]\nlist = [9]\nnew = \"n\"\n[x.t]\nc = 30"),
        );
        let table = base.into_table().expect("table");
        assert_eq!(table["a"].clone().into_int().expect("a"), 1);
        assert_eq!(table["new"].clone().into_string().expect("new"), "n");
        let list = table["list"].clone().into_array().expect("list");
        assert_eq!(list.len(), 1, "arrays replace");
        let inner = table["t"].clone().into_table().expect("t");
        assert_eq!(inner["b"].clone().into_int().expect("b"), 2);
        assert_eq!(inner["c"].clone().into_int().expect("c"), 30);
    }
}
