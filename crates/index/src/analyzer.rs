//! Text analyzers: English with stemming and stop words, Chinese segmented by jieba with
//! traditional characters folded to simplified (so 美國 finds 美国), English words inside
//! Chinese text kept as lower-cased words.
//!
//! tantivy picks the analyzer per *field*, so each story's title and summary go to the `_en` or
//! `_zh` fields according to its language, and a query is analysed once per field family.

use std::cell::RefCell;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language as StemLanguage, LowerCaser, RemoveLongFilter, SimpleTokenizer,
    StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Name under which the English analyzer is registered.
pub const EN: &str = "storyline_en";
/// Name under which the Chinese analyzer is registered.
pub const ZH: &str = "storyline_zh";

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Loads the Chinese dictionary now rather than on the first Chinese story or query.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

/// The English analyzer: words, lower-cased, ASCII-folded, stop words removed, Snowball-stemmed.
pub fn english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::new(StemLanguage::English).expect("english stop words"))
        .filter(MemoStemmer)
        .build()
}

/// English Snowball stemming (the algorithm of tantivy's `Stemmer`, called directly) with a
/// per-thread memo of the stems of the words seen: news text repeats its vocabulary, and the
/// stemmer is the costliest step of analysing it, for indexing as for every search's snippets.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoStemmer;

/// Words whose stems a thread remembers; past it the memo starts over.
const MEMO_WORDS: usize = 100_000;

thread_local! {
    static STEMS: RefCell<(frostem::Stemmer, rustc_hash::FxHashMap<String, String>)> =
        RefCell::new((
            frostem::Stemmer::new(frostem::Algorithm::English),
            rustc_hash::FxHashMap::default(),
        ));
}

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MemoStemmerFilter<T> {
        MemoStemmerFilter { inner: tokenizer }
    }
}

/// The tokenizer [`MemoStemmer`] wraps.
#[derive(Debug, Clone)]
pub struct MemoStemmerFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for MemoStemmerFilter<T> {
    type TokenStream<'a> = MemoStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MemoStemmerStream {
            tail: self.inner.token_stream(text),
        }
    }
}

/// The token stream of [`MemoStemmer`].
#[derive(Debug)]
pub struct MemoStemmerStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for MemoStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        STEMS.with(|cell| {
            let (stemmer, memo) = &mut *cell.borrow_mut();
            if let Some(stem) = memo.get(token.text.as_str()) {
                token.text.clear();
                token.text.push_str(stem);
                return;
            }
            let stem = stemmer.stem(&token.text).into_owned();
            if memo.len() >= MEMO_WORDS {
                memo.clear();
            }
            let word = std::mem::replace(&mut token.text, stem.clone());
            memo.insert(word, stem);
        });
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The Chinese analyzer (see [`ChineseTokenizer`]).
pub fn chinese() -> TextAnalyzer {
    TextAnalyzer::builder(ChineseTokenizer)
        .filter(RemoveLongFilter::limit(40))
        .build()
}

/// Registers both analyzers on an index.
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(EN, english());
    index.tokenizers().register(ZH, chinese());
}

/// Folds traditional Chinese to simplified character by character; the result has the same
/// number of characters as the input, so offsets can be mapped back.
pub fn fold(text: &str) -> String {
    storyline_story::tag::fold_chinese(text)
}

/// Jieba segmentation of folded text. Every word gets a position; words longer than two
/// characters also emit the dictionary words inside them (2- and 3-grams) at the same position,
/// as jieba's search mode does, so a query for 美国 finds 美国总统. Latin words are lower-cased;
/// whitespace and punctuation are dropped. Offsets point into the original (unfolded) text.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChineseTokenizer;

/// The token stream of [`ChineseTokenizer`].
pub struct ChineseTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl Tokenizer for ChineseTokenizer {
    type TokenStream<'a> = ChineseTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ChineseTokenStream {
        ChineseTokenStream {
            tokens: segment(text),
            index: usize::MAX,
        }
    }
}

impl TokenStream for ChineseTokenStream {
    fn advance(&mut self) -> bool {
        self.index = self.index.wrapping_add(1);
        self.index < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index]
    }
}

fn segment(text: &str) -> Vec<Token> {
    let folded = fold(text);
    // byte offset in `folded` → byte offset in `text` (folding keeps the character count)
    let mut offsets: Vec<usize> = Vec::with_capacity(folded.len() + 1);
    let mut original = text.char_indices().map(|(i, _)| i);
    for c in folded.chars() {
        let at = original.next().unwrap_or(text.len());
        offsets.extend(std::iter::repeat_n(at, c.len_utf8()));
    }
    offsets.push(text.len());
    let map = |byte: usize| offsets.get(byte).copied().unwrap_or(text.len());

    let mut tokens = Vec::new();
    let mut position = 0;
    for word in JIEBA.cut(&folded, true) {
        if !word.word.chars().any(char::is_alphanumeric) {
            continue;
        }
        let chars: Vec<(usize, char)> = word.word.char_indices().collect();
        if chars.len() > 2 {
            for n in [2, 3] {
                for start in 0..chars.len().saturating_sub(n - 1) {
                    if n == chars.len() {
                        continue;
                    }
                    let from = chars[start].0;
                    let to = chars.get(start + n).map_or(word.word.len(), |c| c.0);
                    let gram = &word.word[from..to];
                    if JIEBA.has_word(gram) {
                        tokens.push(Token {
                            offset_from: map(word.byte_start + from),
                            offset_to: map(word.byte_start + to),
                            position,
                            text: gram.to_lowercase(),
                            position_length: 1,
                        });
                    }
                }
            }
        }
        tokens.push(Token {
            offset_from: map(word.byte_start),
            offset_to: map(word.byte_end),
            position,
            text: word.word.to_lowercase(),
            position_length: 1,
        });
        position += 1;
    }
    tokens
}

/// The tokens an analyzer makes of a text.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// What every ASCII word the English analyzer stems to `stem` begins with (lower-cased): the
/// stem without its last letter, which Snowball may have changed (`happy` → `happi`,
/// `possibility` → `possibl`). `None` when that says too little (a stem of two letters or
/// fewer) or is not so: a letter and `ie`, the stem of a letter and `ying` (`dying` → `die`,
/// `vying` → `vie`).
pub fn stem_beginning(stem: &str) -> Option<&str> {
    if stem.len() < 3 || !stem.is_ascii() || (stem.len() == 3 && stem.ends_with("ie")) {
        return None;
    }
    Some(&stem[..stem.len() - 1])
}

/// Splits a query's plain text into words: whitespace-separated, and runs of Chinese segmented
/// by jieba (Chinese is written without spaces, so each segmented word is a query word).
pub fn query_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for chunk in text.split_whitespace() {
        if chunk.chars().any(storyline_story::tag::is_han) {
            let folded = fold(chunk);
            for word in JIEBA.cut(&folded, true) {
                if word.word.chars().any(char::is_alphanumeric) {
                    words.push(word.word.to_string());
                }
            }
        } else {
            words.push(chunk.to_string());
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_stems_and_drops_stop_words() {
        assert_eq!(
            tokens(&mut english(), "The Fires are Spreading"),
            ["fire", "spread"]
        );
    }

    #[test]
    fn chinese_folds_traditional_and_keeps_english_names() {
        let simplified = tokens(&mut chinese(), "美国总统");
        let traditional = tokens(&mut chinese(), "美國總統");
        assert_eq!(simplified, traditional);
        assert!(simplified.contains(&"美国".to_string()), "{simplified:?}");
        let mixed = tokens(&mut chinese(), "芝加哥期權交易所 Board Options Exchange");
        assert!(
            mixed.contains(&"board".to_string()) && mixed.contains(&"exchange".to_string()),
            "{mixed:?}"
        );
    }

    #[test]
    fn chinese_offsets_point_into_the_original_text() {
        let text = "面對南加州山火蔓延，美國總統";
        let mut analyzer = chinese();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            let original = &text[token.offset_from..token.offset_to];
            assert_eq!(fold(original).to_lowercase(), token.text, "{original}");
        }
    }

    #[test]
    fn query_words_segment_chinese_runs() {
        let words = query_words("南加州山火 Trump");
        assert!(
            words.len() >= 3 && words.last().unwrap() == "Trump",
            "{words:?}"
        );
    }
}

#[cfg(test)]
mod memo_tests {
    use super::*;
    use tantivy::tokenizer::Stemmer;

    #[test]
    fn memo_stemmer_stems_as_tantivys_stemmer_on_first_and_repeated_words() {
        let mut reference = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(StopWordFilter::new(StemLanguage::English).expect("stop words"))
            .filter(Stemmer::new(StemLanguage::English))
            .build();
        let text = "Wildfires burning across California: firefighters evacuated residents, \
                    generously running studies; the studies' runners ran. Ponies, skies, dying.";
        let expected = tokens(&mut reference, text);
        assert!(expected.contains(&"wildfir".to_string()), "{expected:?}");
        let mut memo = english();
        assert_eq!(tokens(&mut memo, text), expected);
        // second pass: every stem now comes from the memo
        assert_eq!(tokens(&mut memo, text), expected);
    }
}
