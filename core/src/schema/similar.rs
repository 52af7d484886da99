//! "Did you mean": the known names close to a misspelt one.

/// The optimal-string-alignment distance between `a` and `b` (insertions,
/// deletions, substitutions and swaps of neighbours each count one), or
/// `None` when it is over `limit`.
///
/// ```
/// use sqlstrata_core::schema::similar::distance;
/// assert_eq!(distance("uesrs", "users", 2), Some(1));
/// assert_eq!(distance("users", "orders", 1), None);
/// ```
pub fn distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    Some(d[a.len() * width + b.len()]).filter(|v| *v <= limit)
}

/// How far a name may be from a known one to count as its misspelling:
/// one edit for names of 4 to 8 characters, two from 9; none for shorter
/// names (too many short names are one edit apart).
pub fn limit(name: &str) -> usize {
    match name.chars().count() {
        0..=3 => 0,
        4..=8 => 1,
        _ => 2,
    }
}

/// Whether `wrong` reads as a misspelling of `known`: close, and not the
/// same word with another plural or number ending (`user` and `users`,
/// `log1` and `log2` are often both real).
pub fn is_typo_of(wrong: &str, known: &str) -> bool {
    if wrong == known {
        return false;
    }
    let limit = limit(wrong).min(limit(known));
    if limit == 0 || distance(wrong, known, limit).is_none() {
        return false;
    }
    let (short, long) = if wrong.len() < known.len() {
        (wrong, known)
    } else {
        (known, wrong)
    };
    if let Some(rest) = long.strip_prefix(short)
        && matches!(rest, "s" | "es" | "_")
    {
        return false;
    }
    // Names of as many words: the slip is within words, one slip each
    // (`logs_namespace` is no typo of `flows_namespace`).
    let (wa, wb): (Vec<&str>, Vec<&str>) = (wrong.split('_').collect(), known.split('_').collect());
    if wa.len() == wb.len()
        && wa.len() > 1
        && wa.iter().zip(&wb).any(|(x, y)| {
            let most = if x.len().min(y.len()) >= 8 { 2 } else { 1 };
            x != y && distance(x, y, most).is_none()
        })
    {
        return false;
    }
    let digitless = |s: &str| s.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
    !(digitless(wrong) == digitless(known)
        && (wrong.ends_with(|c: char| c.is_ascii_digit())
            || known.ends_with(|c: char| c.is_ascii_digit())))
}

/// The closest of `known` to `wrong` that reads as its misspelling.
pub fn closest<'a>(wrong: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .filter(|k| is_typo_of(wrong, k))
        .min_by_key(|k| (distance(wrong, k, 2).unwrap_or(usize::MAX), *k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_and_not_typos() {
        let cases = [
            ("uesrs", "users", true),
            ("emial", "email", true),
            ("costumer_id", "customer_id", true),
            ("user", "users", false),
            ("logs_namespace", "flows_namespace", false),
            ("costumer_id", "customer_id", true),
            ("user_emial", "user_email", true),
            ("usre_id", "user_id", true),
            ("log1", "log2", false),
            ("abc", "abd", false),
            ("users", "users", false),
            ("orders", "users", false),
            ("idx_user_emial", "idx_user_email", true),
        ];
        for (wrong, known, typo) in cases {
            assert_eq!(is_typo_of(wrong, known), typo, "{wrong} / {known}");
        }
        assert_eq!(closest("uesrs", ["orders", "users"]), Some("users"));
        assert_eq!(distance("ab", "ba", 1), Some(1));
        assert_eq!(distance("abc", "abc", 0), Some(0));
    }
}
