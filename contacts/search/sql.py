"""The SQL side of contact search (installed by migration 0007_search).

No extension is needed (pgserver ships no pg_trgm): `contacts_search_vector(text)` turns a
contact's `search_text` into a tsvector whose lexemes are n-grams, stored in
`contacts_contact.search_vector` by a trigger and indexed with GIN:

- every bigram of adjacent non-space characters ('佐藤', 'サト', 'ex', '03');
- every non-ASCII character alone ('林', '愛'), so one-character Japanese queries use the
  index too (one ASCII letter or digit matches nearly every row: those queries scan);
- every 4-digit window of a run of 4+ digits ('3123'), because digit bigrams are in almost
  every row and intersecting ten huge posting lists is what made phone searches slow.

The text is first folded the way the query is (contacts.search.query.fold must stay its
exact twin): lower-cased; NFKC applied when the text holds characters NFKC changes that
people actually type (full-width ASCII, half-width kana, ㈱, circled digits); hiragana
turned into katakana. The checks before NFKC and translate() are there because both are
slow on this PostgreSQL (15 µs and 65 µs a row) and most rows need neither.

PL/pgSQL, not SQL: measured on 200,000 realistic rows, the loop below costs ~45 µs a row,
a set-returning SQL version with generate_series/substr or unnest 95–600 µs, a regexp_replace
version 130 µs (see docs/search.md).
"""

HIRAGANA = (
    "ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねの"
    "はばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖ"
)
KATAKANA = (
    "ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノ"
    "ハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴヵヶ"
)
# Characters whose presence makes NFKC worth running (Python twin: query.NFKC_NEEDED).
NFKC_CLASS = r"[\u2460-\u24ff\u3200-\u33ff\uff00-\uffef]"

CREATE_FUNCTIONS = rf"""
CREATE OR REPLACE FUNCTION contacts_search_fold(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $fn$
DECLARE
  s text := lower(t);
BEGIN
  IF s ~ '{NFKC_CLASS}' THEN
    s := lower(normalize(s, NFKC));
  END IF;
  IF s ~ '[ぁ-ゖ]' THEN
    s := translate(s, '{HIRAGANA}', '{KATAKANA}');
  END IF;
  RETURN s;
END
$fn$;

CREATE OR REPLACE FUNCTION contacts_search_vector(t text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $fn$
DECLARE
  c text[] := string_to_array(contacts_search_fold(t), NULL);
  n int := cardinality(c);
  lexemes text[] := '{{}}';
  digits int := 0;
BEGIN
  FOR i IN 1 .. coalesce(n, 0) LOOP
    IF c[i] BETWEEN '0' AND '9' THEN
      digits := digits + 1;
      IF digits >= 4 THEN
        lexemes := lexemes || (c[i - 3] || c[i - 2] || c[i - 1] || c[i]);
      END IF;
    ELSE
      digits := 0;
    END IF;
    CONTINUE WHEN c[i] = ' ';
    IF octet_length(c[i]) > 1 THEN
      lexemes := lexemes || c[i];
    END IF;
    IF i < n AND c[i + 1] <> ' ' THEN
      lexemes := lexemes || (c[i] || c[i + 1]);
    END IF;
  END LOOP;
  RETURN array_to_tsvector(lexemes);
END
$fn$;

-- Written by every path that writes search_text (services, import SQL, seed_demo): the
-- vector cannot go stale whoever updates the text.
CREATE OR REPLACE FUNCTION contacts_search_vector_trigger() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.search_vector IS NULL
     OR NEW.search_text IS DISTINCT FROM OLD.search_text THEN
    NEW.search_vector := contacts_search_vector(NEW.search_text);
  END IF;
  RETURN NEW;
END
$fn$;
"""

CREATE_TRIGGER = """
CREATE TRIGGER contacts_contact_search_vector
BEFORE INSERT OR UPDATE ON contacts_contact
FOR EACH ROW EXECUTE FUNCTION contacts_search_vector_trigger();
"""

DROP_ALL = """
DROP TRIGGER IF EXISTS contacts_contact_search_vector ON contacts_contact;
DROP FUNCTION IF EXISTS contacts_search_vector_trigger();
DROP FUNCTION IF EXISTS contacts_search_vector(text);
DROP FUNCTION IF EXISTS contacts_search_fold(text);
"""
