//! The search index: the public articles' words in a tantivy index in this process's memory,
//! ranked with BM25 (title × 4, excerpt × 2, body × 1). bench/README ("Search engines side by
//! side") says why: ranking in PostgreSQL reads every match's search vector, and at 100,000
//! articles a search took 50 ms or more.
//!
//! - **Built at start** from PostgreSQL (`models::search_document`), in the background. Until it
//!   is ready a search is answered by PostgreSQL's full-text index, as with `SEARCH_INDEX=off`;
//!   `/health/ready` says which (`search`).
//! - **Never behind a committed write, on any instance.** Triggers write every change to the
//!   words or the visibility of an article into `search_changes` in the writing transaction
//!   (migration `search_changes`). Before each search the index reads what committed since it
//!   last looked (one statement, an index probe that usually finds nothing) and applies it
//!   first; searches that arrive while such a round is under way share the next one. A task
//!   also catches up every [`CATCH_UP_EVERY`] and forgets changes older than
//!   [`KEEP_CHANGES`]; an index that could not catch up for [`REBUILD_AFTER`] is built again.
//! - **A word being typed** (the last word of a search) finds every article with a word as
//!   written that begins with it (the field `typed`), so `oxygena` finds "oxygenator" though
//!   its stem is "oxygen"; the stems of the commonest such words score the match (BM25).
//! - **Visibility** is the list's: only `published` and `scheduled` articles are indexed, and a
//!   search adds `listed_at <= now`, so a scheduled article is found on time with no write.
//! - **Snippets** are cut here too, from the excerpt and the start of the body PostgreSQL
//!   returns with the page: the passage with the rarest of the words searched for, marked.
//! - The CPU work (building, applying, searching, cutting snippets) runs on the blocking
//!   threads, never on an async worker.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, SegmentReader,
    TantivyDocument, Term,
};

use crate::db::{self, DbPool};
use crate::domain::plain_text;
use crate::domain::search_words::{SearchWords, Term as Word};
use crate::models::article::{MARK_START, MARK_STOP};
use crate::models::search_document::{self, SearchDocument};

/// How often the background task catches up when no search did.
pub const CATCH_UP_EVERY: Duration = Duration::from_secs(30);
/// How long the change log is kept.
pub const KEEP_CHANGES: Duration = Duration::from_secs(24 * 3600);
/// An index that has not caught up for this long may have missed forgotten changes: rebuilt.
pub const REBUILD_AFTER: Duration = Duration::from_secs(12 * 3600);
/// Articles read per statement while building.
const BUILD_BATCH: i64 = 1_000;
/// Memory for the index writer's buffer (one thread).
const WRITER_BYTES: usize = 64 << 20;
/// How many stems a word being typed is scored by, at most (the commonest words that start so),
/// per letter typed: a letter or two match most articles, and each stem scores every one.
const PREFIX_EXPANSIONS: usize = 50;
const PREFIX_EXPANSIONS_PER_LETTER: usize = 10;
/// How many words that start so are read per segment to find the commonest.
const PREFIX_SCAN: usize = 2_000;
const TOKENIZER: &str = "en";
const TYPED_TOKENIZER: &str = "typed";
/// The longest snippet, in characters (about 25 words, as PostgreSQL's).
const SNIPPET_CHARS: usize = 180;

/// A page of hits: each article id with its score, best first, and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Hits {
    pub hits: Vec<(f32, i64)>,
    pub total: i64,
}

/// The index of one process, once built. Cheap to share.
#[derive(Default)]
pub struct SearchIndex {
    engine: RwLock<Option<Arc<Engine>>>,
}

impl SearchIndex {
    /// The built index, if there is one.
    fn engine(&self) -> Option<Arc<Engine>> {
        self.engine.read().ok().and_then(|e| e.clone())
    }

    pub fn is_ready(&self) -> bool {
        self.engine().is_some()
    }

    /// The first `limit` hits of `words` after `after` (a previous page's last score and id),
    /// as the public sees them at `now`, once every committed change is in the index. `None`
    /// while the index is not built.
    pub async fn search(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        words: SearchWords,
        now: DateTime<Utc>,
        after: Option<(f32, i64)>,
        limit: usize,
    ) -> anyhow::Result<Option<Hits>> {
        let Some(engine) = self.engine() else {
            return Ok(None);
        };
        engine.catch_up(conn).await?;
        let hits =
            tokio::task::spawn_blocking(move || engine.search(&words, now, after, limit)).await??;
        Ok(Some(hits))
    }

    /// For each hit `(id, excerpt, start of the body's Markdown)`, its snippet: raw text with
    /// each word of `words` found there between [`MARK_START`] and [`MARK_STOP`] (the caller
    /// escapes it). `None` while the index is not built.
    pub async fn snippets(
        &self,
        words: SearchWords,
        hits: Vec<(i64, String, String)>,
    ) -> anyhow::Result<Option<HashMap<i64, String>>> {
        let Some(engine) = self.engine() else {
            return Ok(None);
        };
        let snippets = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut highlighter = engine.highlighter(&words)?;
            Ok(hits
                .into_iter()
                .map(|(id, excerpt, body)| {
                    let text = format!("{excerpt} {}", plain_text(&body));
                    let text = text.replace([MARK_START, MARK_STOP], "");
                    (id, highlighter.snippet(&text))
                })
                .collect())
        })
        .await??;
        Ok(Some(snippets))
    }

    /// Builds the index, then keeps it caught up; runs for the life of the process (started
    /// once the schema is migrated).
    pub async fn run(self: Arc<Self>, pool: DbPool) {
        let mut last_pruned = Instant::now() - CATCH_UP_EVERY * 200;
        loop {
            let stale = match self.engine() {
                None => true,
                Some(engine) => engine.caught_up_since().await > REBUILD_AFTER,
            };
            if stale {
                let started = Instant::now();
                match Engine::build(&pool).await {
                    Ok(engine) => {
                        tracing::info!(
                            articles = engine.documents(),
                            seconds = started.elapsed().as_secs_f64(),
                            "search index ready"
                        );
                        if let Ok(mut slot) = self.engine.write() {
                            *slot = Some(engine);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "search index: building failed; retrying");
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        continue;
                    }
                }
            } else if let Some(engine) = self.engine() {
                if let Err(e) = engine.catch_up_with(&pool).await {
                    tracing::warn!(error = %e, "search index: catching up failed");
                }
            }
            if last_pruned.elapsed() > CATCH_UP_EVERY * 120 {
                last_pruned = Instant::now();
                if let Err(e) = forget_old_changes(&pool).await {
                    tracing::warn!(error = %e, "search index: forgetting old changes failed");
                }
            }
            tokio::time::sleep(CATCH_UP_EVERY).await;
        }
    }
}

async fn forget_old_changes(pool: &DbPool) -> anyhow::Result<()> {
    let before = Utc::now() - chrono::Duration::from_std(KEEP_CHANGES)?;
    let mut conn = pool.get().await?;
    db::write(&mut conn, async |tx| {
        search_document::forget_before(tx, before).await
    })
    .await?;
    Ok(())
}

/// `all` holds every word of an article (title, excerpt and body): a search matches there.
/// `title` and `excerpt` hold theirs again, to weigh a match there more (a match is scored
/// once in `all`, then plus [`TITLE_WEIGHT`] in the title and [`EXCERPT_WEIGHT`] in the
/// excerpt). A word's matches are then one posting list, not the union of three. These hold
/// stems; `typed` holds every word as written, lowercased, for a word still being typed: the
/// stem of "oxygenator" is "oxygen", of which "oxygena" is no prefix, so a prefix is looked up
/// among the words as written and stands for their stems.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    listed_at: Field,
    all: Field,
    typed: Field,
    title: Field,
    excerpt: Field,
}

const TITLE_WEIGHT: f32 = 4.0;
const EXCERPT_WEIGHT: f32 = 2.0;

/// Where catching up stands: the horizon to read the change log from, and the changes read
/// from it that are already in (a transaction still running at the last read may commit
/// later, so the log is read from its horizon again and again until it ends); the number of
/// the last round of catching up that finished, and when.
struct Position {
    horizon: i64,
    applied: HashMap<i64, i64>,
    round: u64,
    at: Instant,
}

struct Engine {
    fields: Fields,
    analyzer: TextAnalyzer,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    position: Arc<tokio::sync::Mutex<Position>>,
    /// How many rounds of catching up have begun (each reads the log after it begins).
    rounds: AtomicU64,
}

fn stop_words() -> anyhow::Result<StopWordFilter> {
    StopWordFilter::new(Language::English)
        .ok_or_else(|| anyhow::anyhow!("tantivy has no English stop words"))
}

/// Words as searched: lowercased, English stop words left out, stemmed.
fn analyzer() -> anyhow::Result<TextAnalyzer> {
    Ok(TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(stop_words()?)
        .filter(Stemmer::new(Language::English))
        .build())
}

/// Words as searched, for finding `marked` stems in a snippet's text: as [`analyzer`], but a
/// word that cannot be one of them (an English stem begins with its word's first letter) is
/// blanked instead of stemmed. Stemming every word of every hit's text was an eighth of a
/// search's time.
fn marking_analyzer<'a>(marked: impl Iterator<Item = &'a String>) -> anyhow::Result<TextAnalyzer> {
    let mut initials: Vec<char> = marked.filter_map(|stem| stem.chars().next()).collect();
    initials.sort_unstable();
    initials.dedup();
    Ok(TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(stop_words()?)
        .filter(Initials(initials.into()))
        .filter(Stemmer::new(Language::English))
        .build())
}

/// A token filter that blanks every word not beginning with one of its letters (a blank is
/// never a stem, so never marked).
#[derive(Clone)]
struct Initials(Arc<[char]>);

impl TokenFilter for Initials {
    type Tokenizer<T: Tokenizer> = InitialsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> InitialsFilter<T> {
        InitialsFilter {
            tokenizer,
            initials: self.0,
        }
    }
}

#[derive(Clone)]
struct InitialsFilter<T> {
    tokenizer: T,
    initials: Arc<[char]>,
}

impl<T: Tokenizer> Tokenizer for InitialsFilter<T> {
    type TokenStream<'a> = InitialsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        InitialsStream {
            tail: self.tokenizer.token_stream(text),
            initials: &self.initials,
        }
    }
}

struct InitialsStream<'a, T> {
    tail: T,
    initials: &'a [char],
}

impl<T: TokenStream> TokenStream for InitialsStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let initials = self.initials;
        let text = &mut self.tail.token_mut().text;
        if !text.chars().next().is_some_and(|c| initials.contains(&c)) {
            text.clear();
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Words as typed: lowercased, stop words left out, not stemmed.
fn typed_analyzer() -> anyhow::Result<TextAnalyzer> {
    Ok(TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(stop_words()?)
        .build())
}

impl Engine {
    fn new() -> anyhow::Result<Self> {
        let mut schema = Schema::builder();
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        // Only which articles have a word as typed: no frequencies, no positions.
        let typed = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TYPED_TOKENIZER)
                .set_index_option(IndexRecordOption::Basic),
        );
        let number = NumericOptions::default().set_indexed().set_fast();
        let fields = Fields {
            id: schema.add_u64_field("id", number.clone()),
            listed_at: schema.add_i64_field("listed_at", number),
            all: schema.add_text_field("all", words.clone()),
            typed: schema.add_text_field("typed", typed),
            title: schema.add_text_field("title", words.clone()),
            excerpt: schema.add_text_field("excerpt", words),
        };
        let index = Index::create_in_ram(schema.build());
        let analyzer = analyzer()?;
        index.tokenizers().register(TOKENIZER, analyzer.clone());
        index
            .tokenizers()
            .register(TYPED_TOKENIZER, typed_analyzer()?);
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            fields,
            analyzer,
            reader,
            writer: Mutex::new(writer),
            position: Arc::new(tokio::sync::Mutex::new(Position {
                horizon: 0,
                applied: HashMap::new(),
                round: 0,
                at: Instant::now(),
            })),
            rounds: AtomicU64::new(0),
        })
    }

    /// A new index of every public article, caught up with what changed while it was read.
    async fn build(pool: &DbPool) -> anyhow::Result<Arc<Self>> {
        let engine = Arc::new(Self::new()?);
        // The horizon first: whatever commits while the articles are read is read again.
        let horizon = {
            let mut conn = pool.get().await?;
            search_document::since(&mut conn, i64::MAX).await?.horizon
        };
        let mut after = 0;
        loop {
            let docs = {
                let mut conn = pool.get().await?;
                search_document::after(&mut conn, after, BUILD_BATCH).await?
            };
            let Some(last) = docs.last() else { break };
            after = last.id;
            let e = engine.clone();
            tokio::task::spawn_blocking(move || e.add(&docs)).await??;
        }
        let e = engine.clone();
        tokio::task::spawn_blocking(move || e.commit()).await??;
        engine.position.lock().await.horizon = horizon;
        engine.catch_up_with(pool).await?;
        Ok(engine)
    }

    fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    async fn caught_up_since(&self) -> Duration {
        self.position.lock().await.at.elapsed()
    }

    async fn catch_up_with(self: &Arc<Self>, pool: &DbPool) -> anyhow::Result<()> {
        let mut conn = pool.get().await?;
        self.catch_up(&mut conn).await
    }

    /// Applies every change committed before this call. One round at a time; the searches
    /// that wait for a round share the next one: a round that began after a search arrived
    /// read the log after it, so it has applied everything committed before that search.
    async fn catch_up(
        self: &Arc<Self>,
        conn: &mut diesel_async::AsyncPgConnection,
    ) -> anyhow::Result<()> {
        let begun_before = self.rounds.load(AtomicOrdering::SeqCst);
        let mut position = self.position.clone().lock_owned().await;
        if position.round > begun_before {
            return Ok(());
        }
        let round = self.rounds.fetch_add(1, AtomicOrdering::SeqCst) + 1;
        let read = search_document::since(conn, position.horizon).await?;
        let new: Vec<_> = read
            .changes
            .iter()
            .filter(|c| !position.applied.contains_key(&c.seq))
            .copied()
            .collect();
        if !new.is_empty() {
            let ids: Vec<i64> = new
                .iter()
                .map(|c| c.article_id)
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let mut docs = Vec::new();
            for chunk in ids.chunks(BUILD_BATCH as usize) {
                docs.extend(search_document::by_ids(conn, chunk).await?);
            }
            // The round's lock goes with the work: a search dropped while it runs (its deadline)
            // does not let the next round apply changes beside it.
            let e = self.clone();
            position = tokio::task::spawn_blocking(move || {
                e.apply(&ids, &docs)?;
                anyhow::Ok(position)
            })
            .await??;
            position.applied.extend(new.iter().map(|c| (c.seq, c.xid)));
        }
        let horizon = read.horizon;
        position.applied.retain(|_, xid| *xid >= horizon);
        position.horizon = horizon;
        position.round = round;
        position.at = Instant::now();
        Ok(())
    }

    fn writer(&self) -> anyhow::Result<std::sync::MutexGuard<'_, IndexWriter<TantivyDocument>>> {
        self.writer
            .lock()
            .map_err(|_| anyhow::anyhow!("the search index writer was poisoned"))
    }

    fn add(&self, docs: &[SearchDocument]) -> anyhow::Result<()> {
        Self::add_to(&*self.writer()?, self.fields, docs)
    }

    fn add_to(
        writer: &IndexWriter<TantivyDocument>,
        f: Fields,
        docs: &[SearchDocument],
    ) -> anyhow::Result<()> {
        for d in docs {
            let mut doc = TantivyDocument::new();
            doc.add_u64(f.id, d.id as u64);
            doc.add_i64(f.listed_at, d.listed_at.timestamp_micros());
            for text in [&d.title, &d.excerpt, &d.body_markdown] {
                doc.add_text(f.all, text);
                doc.add_text(f.typed, text);
            }
            doc.add_text(f.title, &d.title);
            doc.add_text(f.excerpt, &d.excerpt);
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Replaces the articles `ids` by `docs` (those of them still public) and makes that
    /// searchable, holding the writer throughout: two rounds' changes never interleave.
    fn apply(&self, ids: &[i64], docs: &[SearchDocument]) -> anyhow::Result<()> {
        let mut writer = self.writer()?;
        for id in ids {
            writer.delete_term(Term::from_field_u64(self.fields.id, *id as u64));
        }
        Self::add_to(&writer, self.fields, docs)?;
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    fn commit(&self) -> anyhow::Result<()> {
        self.writer()?.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The words of `text` as the index holds them (stemmed, no stop words), with positions.
    fn analyze(&self, text: &str) -> Vec<(usize, String)> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        stream.process(&mut |t| out.push((t.position, t.text.clone())));
        out
    }

    /// A match made by `make` in `all`, scored more where it is in the title or the excerpt.
    fn weighted(&self, make: impl Fn(Field) -> Box<dyn Query>) -> Box<dyn Query> {
        let f = self.fields;
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, make(f.all)),
            (
                Occur::Should,
                Box::new(BoostQuery::new(make(f.title), TITLE_WEIGHT)),
            ),
            (
                Occur::Should,
                Box::new(BoostQuery::new(make(f.excerpt), EXCERPT_WEIGHT)),
            ),
        ]))
    }

    fn term(field: Field, stem: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, stem),
            IndexRecordOption::WithFreqs,
        ))
    }

    /// What one term of the reader's asks of the index; `None` when it holds only stop words.
    fn term_query(
        &self,
        searcher: &Searcher,
        term: &Word,
    ) -> anyhow::Result<Option<Box<dyn Query>>> {
        Ok(match term {
            Word::Word(w) => {
                let stems = self.analyze(w);
                match stems.as_slice() {
                    [] => None,
                    [(_, stem)] => Some(self.weighted(|f| Self::term(f, stem))),
                    _ => Some(Box::new(BooleanQuery::new(
                        stems
                            .iter()
                            .map(|(_, s)| (Occur::Must, self.weighted(|f| Self::term(f, s))))
                            .collect(),
                    ))),
                }
            }
            Word::Phrase(words) => {
                let stems = self.analyze(&words.join(" "));
                match stems.as_slice() {
                    [] => None,
                    [(_, stem)] => Some(self.weighted(|f| Self::term(f, stem))),
                    _ => {
                        let first = stems[0].0;
                        Some(self.weighted(|field| {
                            Box::new(PhraseQuery::new_with_offset(
                                stems
                                    .iter()
                                    .map(|(p, s)| (p - first, Term::from_field_text(field, s)))
                                    .collect(),
                            ))
                        }))
                    }
                }
            }
            Word::Prefix(w) => {
                // Which articles: every one with a word as written that starts so (however
                // many such words), or with the word itself in any form.
                let f = self.fields;
                let mut any: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Should, Self::starting(f.typed, w))];
                if let Some((_, stem)) = self.analyze(w).into_iter().next() {
                    any.push((Occur::Should, Self::term(f.all, &stem)));
                }
                let found = ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 0.0);
                // How well: the stems of the commonest of those words, scored as any word.
                let stems = self.stems_starting(searcher, w)?;
                let scored = |field: Field| -> Box<dyn Query> {
                    Box::new(BooleanQuery::new(
                        stems
                            .keys()
                            .map(|stem| (Occur::Should, Self::term(field, stem)))
                            .collect(),
                    ))
                };
                let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Must, Box::new(found))];
                if !stems.is_empty() {
                    clauses.push((Occur::Should, scored(f.all)));
                    let title = BoostQuery::new(scored(f.title), TITLE_WEIGHT);
                    clauses.push((Occur::Should, Box::new(title)));
                    let excerpt = BoostQuery::new(scored(f.excerpt), EXCERPT_WEIGHT);
                    clauses.push((Occur::Should, Box::new(excerpt)));
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
        })
    }

    fn query(&self, searcher: &Searcher, words: &SearchWords) -> anyhow::Result<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut required = 0;
        for clause in &words.clauses {
            let mut any: Vec<Box<dyn Query>> = Vec::new();
            for term in &clause.any {
                any.extend(self.term_query(searcher, term)?);
            }
            // A clause of stop words only asks nothing (as in PostgreSQL).
            if any.is_empty() {
                continue;
            }
            let q: Box<dyn Query> = if any.len() == 1 {
                any.into_iter()
                    .next()
                    .unwrap_or_else(|| Box::new(EmptyQuery))
            } else {
                Box::new(BooleanQuery::new(
                    any.into_iter().map(|q| (Occur::Should, q)).collect(),
                ))
            };
            if clause.excluded {
                clauses.push((Occur::MustNot, q));
            } else {
                required += 1;
                clauses.push((Occur::Must, q));
            }
        }
        if required == 0 {
            return Ok(Box::new(EmptyQuery));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// What marks a snippet: the stems of every word `words` asks for (not those it excludes),
    /// a word being typed standing for every word that starts with it; each weighs more the
    /// fewer articles have it.
    fn highlighter(&self, words: &SearchWords) -> anyhow::Result<Highlighter> {
        let searcher = self.reader.searcher();
        let mut marked: BTreeMap<String, Score> = BTreeMap::new();
        let asked = words.clauses.iter().filter(|c| !c.excluded);
        for term in asked.flat_map(|c| &c.any) {
            let stems = match term {
                Word::Word(w) => self.stems_with_articles(&searcher, w)?,
                Word::Phrase(ws) => self.stems_with_articles(&searcher, &ws.join(" "))?,
                Word::Prefix(w) => self.stems_starting(&searcher, w)?,
            };
            for (stem, articles) in stems {
                marked.insert(stem, 1.0 / (1.0 + articles as Score));
            }
        }
        let analyzer = marking_analyzer(marked.keys())?;
        Ok(Highlighter {
            marked: marked.keys().cloned().collect(),
            passages: SnippetGenerator::new(
                marked,
                analyzer.clone(),
                self.fields.all,
                SNIPPET_CHARS,
            ),
            analyzer,
        })
    }

    /// The stems of `text` that some article has, with how many have each.
    fn stems_with_articles(
        &self,
        searcher: &Searcher,
        text: &str,
    ) -> anyhow::Result<BTreeMap<String, u64>> {
        let mut out = BTreeMap::new();
        for (_, stem) in self.analyze(text) {
            let articles = searcher.doc_freq(&Term::from_field_text(self.fields.all, &stem))?;
            if articles > 0 {
                out.insert(stem, articles);
            }
        }
        Ok(out)
    }

    /// What a word still being typed is scored by: the stems some article has of the word
    /// itself and of the commonest words as written that start with it, with how many articles
    /// have each (about: summed over the words of that stem). The commonest are found among the
    /// first [`PREFIX_SCAN`] of each segment; [`PREFIX_EXPANSIONS_PER_LETTER`] are taken a
    /// letter typed, [`PREFIX_EXPANSIONS`] at most.
    fn stems_starting(
        &self,
        searcher: &Searcher,
        start: &str,
    ) -> anyhow::Result<BTreeMap<String, u64>> {
        let mut words: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let typed = segment.inverted_index(self.fields.typed)?;
            let mut stream = typed.terms().range().ge(start.as_bytes()).into_stream()?;
            let mut read = 0;
            while read < PREFIX_SCAN && stream.advance() {
                if !stream.key().starts_with(start.as_bytes()) {
                    break;
                }
                read += 1;
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    let articles = u64::from(stream.value().doc_freq);
                    *words.entry(word.to_owned()).or_default() += articles;
                }
            }
        }
        let mut commonest: Vec<(String, u64)> = words.into_iter().collect();
        commonest.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let letters = start.chars().count();
        commonest.truncate(PREFIX_EXPANSIONS.min(PREFIX_EXPANSIONS_PER_LETTER * letters));
        let mut out = self.stems_with_articles(searcher, start)?;
        for (word, articles) in commonest {
            for (_, stem) in self.analyze(&word) {
                *out.entry(stem).or_default() += articles;
            }
        }
        Ok(out)
    }

    /// Every word of `field` that starts with `start`.
    fn starting(field: Field, start: &str) -> Box<dyn Query> {
        // Every string that starts with `start` sorts before `start` followed by the last
        // character there is.
        let end = format!("{start}{}", char::MAX);
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_text(field, start)),
            Bound::Included(Term::from_field_text(field, &end)),
        ))
    }

    fn search(
        &self,
        words: &SearchWords,
        now: DateTime<Utc>,
        after: Option<(f32, i64)>,
        limit: usize,
    ) -> anyhow::Result<Hits> {
        let searcher = self.reader.searcher();
        let query = self.query(&searcher, words)?;
        let now = now.timestamp_micros();
        // Counted while ranking: every match the public may see at `now` (a scheduled article
        // waits for its time here, not in the query, which would scan that column per search).
        let total = Arc::new(AtomicU64::new(0));
        let counter = total.clone();
        // Best first, ties by id (highest first), so that a page ends at a position the next
        // one can start after: (score, id) below the cursor's.
        let top = TopDocs::with_limit(limit.max(1)).tweak_score(move |segment: &SegmentReader| {
            let fast = segment.fast_fields();
            let ids: Option<Column<u64>> = fast.u64("id").ok();
            let listed: Option<Column<i64>> = fast.i64("listed_at").ok();
            let counter = counter.clone();
            move |doc: DocId, score: Score| {
                let listed_at = listed.as_ref().and_then(|c| c.first(doc));
                if listed_at.is_none_or(|t| t > now) {
                    return HIDDEN;
                }
                counter.fetch_add(1, AtomicOrdering::Relaxed);
                let id = ids.as_ref().and_then(|c| c.first(doc)).unwrap_or(0) as i64;
                match after {
                    Some(cursor) if (score, id) >= cursor => HIDDEN,
                    _ => (score, id),
                }
            }
        });
        let top = searcher.search(&query, &top)?;
        let hits = top
            .into_iter()
            .map(|(key, _)| key)
            .filter(|key| *key != HIDDEN)
            .take(limit)
            .collect();
        Ok(Hits {
            hits,
            total: total.load(AtomicOrdering::Relaxed) as i64,
        })
    }
}

/// What cuts the snippets of one search: tantivy's snippet generator finds the passage with
/// the best of the words searched for; the analyzer finds every one of them in it.
struct Highlighter {
    marked: HashSet<String>,
    passages: SnippetGenerator,
    analyzer: TextAnalyzer,
}

impl Highlighter {
    /// The passage of `text` with the best of the words searched for, [`SNIPPET_CHARS`] long
    /// and cut after a word, each of them marked; where none is in it, its first words.
    fn snippet(&mut self, text: &str) -> String {
        let found = self.passages.snippet(text);
        // The generator's passage is its words within as many bytes: it starts the snippet,
        // whose length is counted here, in characters.
        let start = match found.is_empty() {
            true => None,
            false => text.find(found.fragment()),
        };
        let found_len = start.map_or(0, |_| found.fragment().len());
        let from = &text[start.unwrap_or(0)..];
        let passage = match words_within(from, SNIPPET_CHARS) {
            // One word longer than a snippet (a long address): cut in it.
            "" => {
                &from[..from
                    .char_indices()
                    .nth(SNIPPET_CHARS)
                    .map_or(from.len(), |(at, _)| at)]
            }
            words => words,
        };
        // Never shorter than the generator's passage: a word it found may end where a word of
        // the text does not ("protamine-induced").
        let passage = match passage.len() < found_len {
            true => &from[..found_len],
            false => passage,
        };
        let passage = passage.trim();
        if start.is_none() {
            return passage.to_owned();
        }
        let marked = &self.marked;
        let mut marks = Vec::new();
        self.analyzer.token_stream(passage).process(&mut |t| {
            if marked.contains(&t.text) {
                marks.push(t.offset_from..t.offset_to);
            }
        });
        let mut out = String::with_capacity(passage.len() + 8 * marks.len());
        let mut at = 0;
        for m in marks {
            out.push_str(&passage[at..m.start]);
            out.push(MARK_START);
            out.push_str(&passage[m.clone()]);
            out.push(MARK_STOP);
            at = m.end;
        }
        out.push_str(&passage[at..]);
        out
    }
}

/// The start of `text` of at most `chars` characters, cut after a word.
fn words_within(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        None => text,
        Some((cut, c)) if c.is_whitespace() => &text[..cut],
        Some((cut, _)) => &text[..text[..cut].rfind(char::is_whitespace).unwrap_or(0)],
    }
}

/// The rank of a match that is not to be shown (not yet public, or before the cursor).
const HIDDEN: (f32, i64) = (Score::NEG_INFINITY, i64::MIN);

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, title: &str, excerpt: &str, body: &str, listed_at: &str) -> SearchDocument {
        SearchDocument {
            id,
            title: title.into(),
            excerpt: excerpt.into(),
            body_markdown: body.into(),
            listed_at: listed_at.parse().unwrap(),
        }
    }

    fn engine(docs: &[SearchDocument]) -> Engine {
        let e = Engine::new().unwrap();
        e.add(docs).unwrap();
        e.commit().unwrap();
        e
    }

    fn ids(e: &Engine, q: &str, after: Option<(f32, i64)>, limit: usize) -> (Vec<i64>, i64) {
        let now = "2026-06-01T00:00:00Z".parse().unwrap();
        let hits = e.search(&SearchWords::parse(q), now, after, limit).unwrap();
        (hits.hits.iter().map(|h| h.1).collect(), hits.total)
    }

    fn corpus() -> Vec<SearchDocument> {
        let t = "2026-01-01T00:00:00Z";
        vec![
            doc(
                1,
                "Oxygenator failure drills",
                "Practice.",
                "Change out the oxygenator.",
                t,
            ),
            doc(
                2,
                "Staffing",
                "Heparin dosing in the body text.",
                "Anticoagulation.",
                t,
            ),
            doc(
                3,
                "Heparin and anticoagulation",
                "Dosing.",
                "Protamine reversal.",
                t,
            ),
            doc(
                4,
                "Pediatric bypass",
                "Cardiopulmonary bypass in children.",
                "Heparin.",
                t,
            ),
            doc(
                5,
                "Scheduled heparin news",
                "Later.",
                "Soon.",
                "2026-12-01T00:00:00Z",
            ),
        ]
    }

    #[test]
    fn title_matches_rank_first_and_a_scheduled_article_waits_for_its_time() {
        let e = engine(&corpus());
        let (found, total) = ids(&e, "heparin", None, 10);
        assert_eq!(found[0], 3, "{found:?}");
        assert_eq!(total, 3);
        assert!(!found.contains(&5));
    }

    #[test]
    fn the_last_word_is_a_prefix_and_phrases_and_exclusions_hold() {
        let e = engine(&corpus());
        // Every letter typed on the way to "oxygenator" finds it, though its stem is "oxygen".
        for typed in 3..="oxygenators".len() {
            let typed = &"oxygenators"[..typed];
            assert_eq!(ids(&e, typed, None, 10).0, vec![1], "{typed}");
        }
        assert_eq!(ids(&e, "\"cardiopulmonary bypass\"", None, 10).0, vec![4]);
        assert_eq!(ids(&e, "\"bypass cardiopulmonary\"", None, 10).1, 0);
        let (found, _) = ids(&e, "heparin -pediatric", None, 10);
        assert!(!found.contains(&4) && found.contains(&3), "{found:?}");
        let (found, _) = ids(&e, "protamine or oxygenator", None, 10);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(ids(&e, "the", None, 10).1, 0);
    }

    #[test]
    fn pages_follow_one_another_without_gaps_or_repeats() {
        let t = "2026-01-01T00:00:00Z";
        let docs: Vec<_> = (1..=25)
            .map(|i| doc(i, "Heparin", "Same words.", "Same body.", t))
            .collect();
        let e = engine(&docs);
        let now = "2026-06-01T00:00:00Z".parse().unwrap();
        let words = SearchWords::parse("heparin");
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = e.search(&words, now, after, 10).unwrap();
            assert_eq!(page.total, 25);
            if page.hits.is_empty() {
                break;
            }
            seen.extend(page.hits.iter().map(|h| h.1));
            after = page.hits.last().copied();
        }
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 25);
        assert_eq!(seen.len(), 25);
    }

    #[test]
    fn a_changed_article_is_found_by_its_new_words_only() {
        let e = engine(&corpus());
        e.apply(
            &[1],
            &[doc(1, "Centrifugal pumps", "", "", "2026-01-01T00:00:00Z")],
        )
        .unwrap();
        assert_eq!(ids(&e, "oxygenator", None, 10).1, 0);
        assert_eq!(ids(&e, "centrifugal", None, 10).0, vec![1]);
    }

    #[test]
    fn a_short_prefix_finds_every_word_it_begins_however_many() {
        let t = "2026-01-01T00:00:00Z";
        let mut docs: Vec<SearchDocument> = (1..=80)
            .map(|n| doc(n, &format!("Note {n}"), "", &format!("ab{n:02}x"), t))
            .collect();
        docs.push(doc(100, "Heparin", "", "An abzyme.", t));
        let e = engine(&docs);
        // "abzyme" sorts after 80 other words that start with "ab".
        assert_eq!(ids(&e, "heparin ab", None, 10).0, vec![100]);
        assert_eq!(ids(&e, "ab", None, 10).1, 81);
    }

    fn marked(e: &Engine, q: &str, text: &str) -> String {
        let mut highlighter = e.highlighter(&SearchWords::parse(q)).unwrap();
        highlighter
            .snippet(text)
            .replace(MARK_START, "[")
            .replace(MARK_STOP, "]")
    }

    #[test]
    fn a_snippet_marks_the_words_searched_for_in_any_form_and_a_prefix_typed() {
        let e = engine(&corpus());
        let text = "Heparin dosing before bypass; change out the oxygenators after it.";
        assert_eq!(
            marked(&e, "oxygenator heparin", text),
            "[Heparin] dosing before bypass; change out the [oxygenators] after it."
        );
        assert_eq!(
            marked(&e, "chang oxygena", text),
            "Heparin dosing before bypass; [change] out the [oxygenators] after it."
        );
        // An excluded word is not marked.
        assert_eq!(
            marked(&e, "bypass -heparin", text),
            "Heparin dosing before [bypass]; change out the oxygenators after it."
        );
    }

    #[test]
    fn a_snippet_stems_only_the_words_that_may_be_marked_and_finds_them_all() {
        let text =
            "Dying, lying: the skies. Hoping yelling generously; Ystrad oxygenators, ÉCMO écmo";
        let tokens = |mut analyzer: TextAnalyzer| {
            let mut out = Vec::new();
            analyzer
                .token_stream(text)
                .process(&mut |t| out.push((t.offset_from, t.text.clone())));
            out
        };
        let stemmed = tokens(analyzer().unwrap());
        assert_eq!(stemmed.len(), 10, "{stemmed:?}");
        for (_, stem) in &stemmed {
            let marking = tokens(marking_analyzer([stem.clone()].iter()).unwrap());
            // The same words at the same places as when every word is stemmed...
            let is_it = |t: &&(usize, String)| t.1 == *stem;
            let found: Vec<_> = marking.iter().filter(is_it).collect();
            let expected: Vec<_> = stemmed.iter().filter(is_it).collect();
            assert_eq!(found, expected, "{stem}");
            // ... and every word with another first letter left blank.
            let initial = stem.chars().next().unwrap();
            for (_, other) in &marking {
                assert!(
                    other.is_empty() || other.starts_with(initial),
                    "{stem}: {other}"
                );
            }
        }
    }

    #[test]
    fn a_snippet_of_accented_words_is_as_long_and_marks_them_to_its_end() {
        let e = engine(&corpus());
        // 7 characters, 13 bytes a word: the generator's passage (180 bytes) is 98 characters.
        let text = format!("protamine {}protamine dose", "éèêëàâä ".repeat(15));
        let cut = marked(&e, "protamine", &text);
        assert_eq!(cut.matches("[protamine]").count(), 2, "{cut}");
        assert!(cut.ends_with("[protamine] dose"), "{cut}");
    }

    #[test]
    fn a_snippet_keeps_the_word_found_at_its_end_or_in_a_long_address() {
        let e = engine(&corpus());
        // "protamine" ends at character 179, "-induced" runs past the snippet's length.
        let text = format!("{}protamine-induced", "word ".repeat(34));
        let cut = marked(&e, "protamine", &text);
        assert!(cut.ends_with("[protamine]"), "{cut}");
        let address = format!("https://example.org/{}protamine", "dosing-".repeat(30));
        let text = format!("{}see {address} for more", "word ".repeat(60));
        let cut = marked(&e, "protamine", &text);
        assert!(cut.contains("[protamine]"), "{cut}");
        assert!(cut.chars().count() <= SNIPPET_CHARS + 2, "{cut}");
    }

    #[test]
    fn a_phrase_is_not_found_across_the_title_and_the_excerpt() {
        let t = "2026-01-01T00:00:00Z";
        let e = engine(&[
            doc(1, "Cardiopulmonary", "Bypass circuits.", "", t),
            doc(2, "Cardiopulmonary bypass", "", "", t),
        ]);
        assert_eq!(ids(&e, "\"cardiopulmonary bypass\"", None, 10).0, vec![2]);
    }

    #[test]
    fn a_snippet_is_the_best_passage_of_a_long_text_or_its_start() {
        let e = engine(&corpus());
        let filler = "word ".repeat(60);
        let text = format!("{filler}protamine reversal {filler}");
        let cut = marked(&e, "protamine", &text);
        assert!(cut.contains("[protamine] reversal"), "{cut}");
        assert!(cut.chars().count() <= SNIPPET_CHARS + 2, "{cut}");
        // Nothing searched for is in it: its first words, cut at a space.
        let start = marked(&e, "centrifugal", &text);
        assert!(
            start.starts_with("word word") && start.ends_with("word"),
            "{start}"
        );
        assert!(start.chars().count() <= SNIPPET_CHARS, "{start}");
    }
}
