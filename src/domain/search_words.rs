//! A reader's search (`q`), read in the web-search syntax PostgreSQL's `websearch_to_tsquery`
//! reads, for the search index (`src/search_index.rs`):
//!
//! - words are all required (`heart lung`: both);
//! - `"a quoted phrase"` must appear as written (an unclosed quote runs to the end);
//! - `-word` or `-"a phrase"` must not appear (the minus starts a word);
//! - `a or b` takes either (`or` binds before the AND: `heart lung or kidney` is heart, and lung
//!   or kidney);
//! - the last word, when it is a plain word typed last (not quoted, not excluded, not `or`),
//!   also matches as a prefix: search as you type (`oxygen` finds "oxygenator").
//!
//! Anything else that is not a letter or a digit separates words, so no operator of the index's
//! own can be typed in. Words are lower-cased here; stemming and stop words are the index's.

/// At most this many clauses are read (the rest of a very long `q` is ignored).
pub const MAX_CLAUSES: usize = 32;

/// One thing a clause can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(String),
    /// Words that must appear in this order (one word reads as [`Term::Word`]).
    Phrase(Vec<String>),
    /// The last word as typed: any word that starts with it, or the word itself.
    Prefix(String),
}

/// Any one of `any` (usually one term; several when joined by `or`); `excluded`: none of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub any: Vec<Term>,
    pub excluded: bool,
}

/// A parsed `q`: every clause that is not excluded must match, no excluded one may.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchWords {
    pub clauses: Vec<Clause>,
}

enum Token {
    Term(Term, bool),
    Or,
}

impl SearchWords {
    pub fn parse(q: &str) -> Self {
        let tokens = tokens(q);
        let mut clauses: Vec<Clause> = Vec::new();
        let mut or_pending = false;
        for token in tokens {
            match token {
                Token::Or => or_pending = !clauses.is_empty(),
                Token::Term(term, excluded) => {
                    match clauses.last_mut() {
                        Some(last) if or_pending && !excluded && !last.excluded => {
                            last.any.push(term)
                        }
                        _ => clauses.push(Clause {
                            any: vec![term],
                            excluded,
                        }),
                    }
                    or_pending = false;
                }
            }
        }
        clauses.truncate(MAX_CLAUSES);
        Self { clauses }
    }

    /// Whether nothing can match (no clause that is not excluded).
    pub fn is_empty(&self) -> bool {
        self.clauses.iter().all(|c| c.excluded)
    }
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn tokens(q: &str) -> Vec<Token> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    // The last word is a prefix when `q` ends with it: letters or digits after a space (or the
    // start), then only spaces.
    let trimmed = q.trim_end();
    let last_plain = trimmed
        .rsplit(char::is_whitespace)
        .next()
        .filter(|w| !w.is_empty() && w.chars().all(char::is_alphanumeric))
        .filter(|w| !w.eq_ignore_ascii_case("or"))
        .map(str::to_lowercase);
    while i < chars.len() {
        let c = chars[i];
        let at_word_start = i == 0 || chars[i - 1].is_whitespace();
        if c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '"')
                .map_or(chars.len(), |p| i + 1 + p);
            let inside: String = chars[i + 1..end].iter().collect();
            push_phrase(&mut out, words_of(&inside), false);
            i = end + 1;
        } else if c == '-' && at_word_start && i + 1 < chars.len() {
            let next = chars[i + 1];
            if next == '"' {
                let end = chars[i + 2..]
                    .iter()
                    .position(|&c| c == '"')
                    .map_or(chars.len(), |p| i + 2 + p);
                let inside: String = chars[i + 2..end].iter().collect();
                push_phrase(&mut out, words_of(&inside), true);
                i = end + 1;
            } else if next.is_alphanumeric() {
                let end = word_end(&chars, i + 1);
                let word: String = chars[i + 1..end].iter().collect::<String>().to_lowercase();
                out.push(Token::Term(Term::Word(word), true));
                i = end;
            } else {
                i += 1;
            }
        } else if c.is_alphanumeric() {
            let end = word_end(&chars, i);
            let word: String = chars[i..end].iter().collect::<String>().to_lowercase();
            let is_last = end >= trimmed.chars().count();
            if word == "or" && !is_last {
                out.push(Token::Or);
            } else if is_last && at_word_start && last_plain.as_deref() == Some(word.as_str()) {
                out.push(Token::Term(Term::Prefix(word), false));
            } else {
                out.push(Token::Term(Term::Word(word), false));
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

fn word_end(chars: &[char], from: usize) -> usize {
    chars[from..]
        .iter()
        .position(|c| !c.is_alphanumeric())
        .map_or(chars.len(), |p| from + p)
}

fn push_phrase(out: &mut Vec<Token>, words: Vec<String>, excluded: bool) {
    match words.len() {
        0 => {}
        1 => out.push(Token::Term(
            Term::Word(words.into_iter().next().unwrap_or_default()),
            excluded,
        )),
        _ => out.push(Token::Term(Term::Phrase(words), excluded)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Term {
        Term::Word(w.into())
    }
    fn prefix(w: &str) -> Term {
        Term::Prefix(w.into())
    }
    fn all(terms: Vec<Term>) -> Vec<Clause> {
        terms
            .into_iter()
            .map(|t| Clause {
                any: vec![t],
                excluded: false,
            })
            .collect()
    }

    #[test]
    fn words_are_all_required_and_the_last_is_also_a_prefix() {
        assert_eq!(
            SearchWords::parse("Heart  LUNG machine").clauses,
            all(vec![word("heart"), word("lung"), prefix("machine")])
        );
        assert_eq!(
            SearchWords::parse("oxygen").clauses,
            all(vec![prefix("oxygen")])
        );
        assert_eq!(
            SearchWords::parse(" oxygen  ").clauses,
            all(vec![prefix("oxygen")])
        );
    }

    #[test]
    fn a_last_word_after_punctuation_or_a_quote_is_no_prefix() {
        assert_eq!(
            SearchWords::parse("heart-lung").clauses,
            all(vec![word("heart"), word("lung")])
        );
        assert_eq!(SearchWords::parse("pump.").clauses, all(vec![word("pump")]));
        assert_eq!(
            SearchWords::parse("\"heart lung\"").clauses,
            all(vec![Term::Phrase(vec!["heart".into(), "lung".into()])])
        );
    }

    #[test]
    fn phrases_exclusions_and_or() {
        let parsed = SearchWords::parse("\"cardiopulmonary bypass\" -pediatric ecmo or ecls");
        assert_eq!(
            parsed.clauses,
            vec![
                Clause {
                    any: vec![Term::Phrase(vec![
                        "cardiopulmonary".into(),
                        "bypass".into()
                    ])],
                    excluded: false
                },
                Clause {
                    any: vec![word("pediatric")],
                    excluded: true
                },
                Clause {
                    any: vec![word("ecmo"), prefix("ecls")],
                    excluded: false
                },
            ]
        );
        assert_eq!(
            SearchWords::parse("-\"open heart\" pump").clauses,
            vec![
                Clause {
                    any: vec![Term::Phrase(vec!["open".into(), "heart".into()])],
                    excluded: true
                },
                Clause {
                    any: vec![prefix("pump")],
                    excluded: false
                },
            ]
        );
    }

    #[test]
    fn or_at_the_ends_is_a_word_or_nothing() {
        // A trailing `or` is a word, as websearch_to_tsquery reads it (then a stop word).
        assert_eq!(
            SearchWords::parse("pump or").clauses,
            all(vec![word("pump"), word("or")])
        );
        // A leading one joins nothing.
        assert_eq!(
            SearchWords::parse("or pump").clauses,
            all(vec![prefix("pump")])
        );
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end_and_operators_cannot_be_smuggled() {
        assert_eq!(
            SearchWords::parse("\"heart lung").clauses,
            all(vec![Term::Phrase(vec!["heart".into(), "lung".into()])])
        );
        assert_eq!(
            SearchWords::parse("title:x* AND (y) ^2").clauses,
            all(vec![
                word("title"),
                word("x"),
                word("and"),
                word("y"),
                word("2")
            ])
        );
    }

    #[test]
    fn only_exclusions_or_nothing_match_nothing() {
        assert!(SearchWords::parse("-pump").is_empty());
        assert!(SearchWords::parse("  ").is_empty());
        assert!(SearchWords::parse("\"\" - !!").is_empty());
        assert!(!SearchWords::parse("pump -ecmo").is_empty());
    }

    #[test]
    fn clauses_are_bounded() {
        let q = "w ".repeat(100);
        assert_eq!(SearchWords::parse(&q).clauses.len(), MAX_CLAUSES);
    }

    #[test]
    fn non_ascii_words_are_words() {
        assert_eq!(
            SearchWords::parse("Größe café").clauses,
            all(vec![word("größe"), prefix("café")])
        );
    }
}
