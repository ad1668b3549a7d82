//! Indexes bench/run's articles (a CSV from `bench/search/run`) in a tantivy index in memory and
//! measures a search as the service would run it: the words ANDed over title (boost 4), excerpt
//! (2) and body (1) with BM25, only public articles (published or scheduled, listed_at <= now),
//! the first 21 hits and the total. Prints one line of JSON per measurement.
use std::time::{Duration, Instant};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, Value, FAST, INDEXED, STORED, TEXT};
use tantivy::{doc, Index, TantivyDocument, Term};

const QUERIES: [&str; 8] = [
    "heparin anticoagulation",
    "oxygenator",
    "perfusion",
    "cardioplegia delivery",
    "ecmo cannulation bleeding",
    "salary negotiation",
    "thromboelastography",
    "pump failure drills",
];

fn main() -> tantivy::Result<()> {
    let path = std::env::args().nth(1).expect("usage: tantivy-probe ARTICLES.csv [SECONDS]");
    let secs: u64 = std::env::args().nth(2).map_or(5, |s| s.parse().unwrap());
    let mut sb = Schema::builder();
    let id = sb.add_u64_field("id", FAST | STORED);
    let listed = sb.add_i64_field("listed_at", FAST | INDEXED);
    let public = sb.add_u64_field("public", INDEXED);
    let title = sb.add_text_field("title", TEXT);
    let excerpt = sb.add_text_field("excerpt", TEXT);
    let body = sb.add_text_field("body", TEXT);
    let schema = sb.build();
    let index = Index::create_in_ram(schema);
    let en = tantivy::tokenizer::TextAnalyzer::builder(tantivy::tokenizer::SimpleTokenizer::default())
        .filter(tantivy::tokenizer::LowerCaser)
        .filter(tantivy::tokenizer::Stemmer::new(tantivy::tokenizer::Language::English))
        .build();
    index.tokenizers().register("default", en);
    let t0 = Instant::now();
    let mut writer = index.writer(200_000_000)?;
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_path(&path).unwrap();
    let mut n = 0u64;
    for rec in rdr.records() {
        let r = rec.unwrap();
        writer.add_document(doc!(
            id => r[0].parse::<u64>().unwrap(),
            title => r[1].to_owned(),
            excerpt => r[2].to_owned(),
            body => r[3].to_owned(),
            listed => r[4].parse::<i64>().unwrap(),
            public => u64::from(&r[5] == "t"),
        ))?;
        n += 1;
    }
    writer.commit()?;
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let bytes: u64 = searcher
        .segment_readers()
        .iter()
        .map(|s| s.space_usage().map(|u| u.total().get_bytes()).unwrap_or(0))
        .sum();
    println!(
        "{{\"indexed\": {n}, \"seconds\": {:.1}, \"index_mb\": {:.0}, \"segments\": {}}}",
        t0.elapsed().as_secs_f64(),
        bytes as f64 / 1e6,
        searcher.segment_readers().len()
    );
    let mut parser = QueryParser::for_index(&index, vec![title, excerpt, body]);
    parser.set_conjunction_by_default();
    parser.set_field_boost(title, 4.0);
    parser.set_field_boost(excerpt, 2.0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let search = |q: &str, count: bool| -> (Vec<u64>, usize) {
        let words = parser.parse_query(q).unwrap();
        let query = BooleanQuery::new(vec![
            (Occur::Must, words),
            (
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_u64(public, 1), IndexRecordOption::Basic))
                    as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new_i64_bounds(
                    "listed_at".into(),
                    std::ops::Bound::Unbounded,
                    std::ops::Bound::Included(now),
                )),
            ),
        ]);
        // Without the total, TopDocs may skip blocks that cannot reach the first 21
        // (block-max WAND); counting visits every match.
        let (top, total) = if count {
            searcher.search(&query, &(TopDocs::with_limit(21), Count)).unwrap()
        } else {
            (searcher.search(&query, &TopDocs::with_limit(21)).unwrap(), 0)
        };
        let ids = top
            .iter()
            .map(|(_, a)| {
                let d: TantivyDocument = searcher.doc(*a).unwrap();
                d.get_first(id).and_then(|v| v.as_u64()).unwrap()
            })
            .collect();
        (ids, total)
    };
    for q in QUERIES {
        let (ids, total) = search(q, true);
        println!("{{\"q\": {q:?}, \"total\": {total}, \"first\": {:?}}}", &ids[..ids.len().min(20)]);
    }
    for (label, mix, count) in [
        ("heparin anticoagulation", false, true),
        ("mix of 8", true, true),
        ("heparin anticoagulation", false, false),
        ("mix of 8", true, false),
    ] {
        // One client: latency of each search, back to back.
        let mut lat = Vec::new();
        let end = Instant::now() + Duration::from_secs(secs);
        let mut i = 0usize;
        while Instant::now() < end {
            let q = if mix { QUERIES[i % QUERIES.len()] } else { QUERIES[0] };
            let t = Instant::now();
            std::hint::black_box(search(q, count));
            lat.push(t.elapsed());
            i += 1;
        }
        lat.sort();
        let p = |f: f64| lat[((lat.len() as f64 * f) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
        // As many threads as cores: searches per second.
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let end = Instant::now() + Duration::from_secs(secs);
        let done: usize = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || {
                        let mut k = 0usize;
                        while Instant::now() < end {
                            let q = if mix { QUERIES[(k + t) % QUERIES.len()] } else { QUERIES[0] };
                            std::hint::black_box(search(q, count));
                            k += 1;
                        }
                        k
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).sum()
        });
        println!(
            "{{\"queries\": {label:?}, \"total\": {count}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"threads\": {threads}, \"per_s\": {:.0}}}",
            p(0.5),
            p(0.99),
            done as f64 / secs as f64
        );
    }
    Ok(())
}
