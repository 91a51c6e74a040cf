//! tantivy's BM25 more-like-this as a related-stories baseline: the ranking row of `storyline
//! eval` and the related-latency peer of `storyline bench --peers`.

use storyline_index::Tables;
use storyline_index::schema::Fields;
use tantivy::collector::TopDocs;
use tantivy::columnar::StrColumn;
use tantivy::query::{MoreLikeThisQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher};

/// Hits asked of tantivy per subject: ten entries once the subject itself is dropped, plus one
/// spare.
const HITS: usize = 12;

/// A more-like-this ranker over one searcher: the subject is found by its id, tantivy builds a
/// BM25 query from the subject's stored text (up to 25 terms), and the hits' ids are read from
/// the `id` fast field.
pub struct MoreLikeThis<'a> {
    searcher: Searcher,
    fields: Fields,
    tables: &'a Tables,
    /// The `id` column of each segment, in segment order.
    ids: Vec<Option<StrColumn>>,
}

impl<'a> MoreLikeThis<'a> {
    /// A ranker over `searcher`, mapping ids to the ordinals of `tables`.
    pub fn new(searcher: Searcher, fields: Fields, tables: &'a Tables) -> Self {
        let ids = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.fast_fields().str("id").ok().flatten())
            .collect();
        Self {
            searcher,
            fields,
            tables,
            ids,
        }
    }

    fn address(&self, ord: u32) -> Option<DocAddress> {
        let id = self.tables.ids.get(ord as usize)?;
        let by_id = TermQuery::new(self.fields.id_term(id), IndexRecordOption::Basic);
        let found = self
            .searcher
            .search(&by_id, &TopDocs::with_limit(1).order_by_score())
            .ok()?;
        found.first().map(|(_, address)| *address)
    }

    fn ord_of(&self, address: DocAddress, buffer: &mut String) -> Option<u32> {
        let column = self.ids.get(address.segment_ord as usize)?.as_ref()?;
        let term = column.term_ords(address.doc_id).next()?;
        buffer.clear();
        column.ord_to_str(term, buffer).ok()?;
        self.tables.ord(buffer)
    }

    /// The stories most like story `ord` (BM25 over its own terms), best first, without itself.
    pub fn related(&self, ord: u32) -> Vec<u32> {
        let Some(address) = self.address(ord) else {
            return Vec::new();
        };
        let query = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_min_term_frequency(1)
            .with_max_query_terms(25)
            .with_document(address);
        let Ok(hits) = self
            .searcher
            .search(&query, &TopDocs::with_limit(HITS).order_by_score())
        else {
            return Vec::new();
        };
        let mut buffer = String::new();
        hits.into_iter()
            .filter_map(|(_, a)| self.ord_of(a, &mut buffer).filter(|o| *o != ord))
            .collect()
    }
}
