-- Articles: categories, tags, the articles themselves, and the slugs they used to have.

CREATE TABLE categories (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE
                CHECK (char_length(slug) <= 120 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        TEXT NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 100),
    description TEXT CHECK (char_length(description) <= 1000),
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The list is ordered by (position, id).
CREATE INDEX categories_order ON categories (position, id);
SELECT diesel_manage_updated_at('categories');

-- The seed page's four categories, in its order. It describes none of them.
INSERT INTO categories (slug, name, position) VALUES
    ('career-development',   'Career Development',   1),
    ('perfusion-research',   'Perfusion Research',   2),
    ('career-opportunities', 'Career Opportunities', 3),
    ('leadership-training',  'Leadership Training',  4);

-- Tags are made on first use. `slug` is the case-insensitive identity ("ECMO" and "ecmo" are
-- one tag); `name` keeps the spelling it was first used with.
CREATE TABLE tags (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE
               CHECK (char_length(slug) <= 60 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name       TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE articles (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE
                         CHECK (char_length(slug) <= 120 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title                TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    excerpt              TEXT NOT NULL DEFAULT '' CHECK (char_length(excerpt) <= 500),
    body_markdown        TEXT NOT NULL CHECK (octet_length(body_markdown) <= 204800),
    -- Rendered from body_markdown and sanitized once, on write.
    body_html            TEXT NOT NULL,
    category_id          BIGINT NOT NULL REFERENCES categories (id),
    -- The admin user who created it; null for the seeded articles (and if the user is removed).
    author_id            BIGINT REFERENCES admin_users (id) ON DELETE SET NULL,
    featured_image_url   TEXT,
    featured_image_alt   TEXT CHECK (char_length(featured_image_alt) <= 300),
    status               TEXT NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    published_at         TIMESTAMPTZ,
    reading_time_minutes INTEGER NOT NULL CHECK (reading_time_minutes >= 1),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The time lists sort by: when it is (or will be) published, else when it was created.
    listed_at            TIMESTAMPTZ NOT NULL GENERATED ALWAYS AS (COALESCE(published_at, created_at)) STORED,
    -- Full-text search: title weighs most, then the excerpt, then the body.
    search               TSVECTOR NOT NULL GENERATED ALWAYS AS (
                             setweight(to_tsvector('english', title), 'A')
                             || setweight(to_tsvector('english', excerpt), 'B')
                             || setweight(to_tsvector('english', body_markdown), 'C')
                         ) STORED,
    CHECK (status NOT IN ('scheduled', 'published') OR published_at IS NOT NULL)
);
SELECT diesel_manage_updated_at('articles');

-- Public lists: published (or scheduled and due) articles, newest or oldest first.
CREATE INDEX articles_public_by_time ON articles (listed_at, id)
    WHERE status IN ('published', 'scheduled');
CREATE INDEX articles_public_by_category ON articles (category_id, listed_at, id)
    WHERE status IN ('published', 'scheduled');
CREATE INDEX articles_public_by_title ON articles (title, id)
    WHERE status IN ('published', 'scheduled');
-- Editors' lists by status.
CREATE INDEX articles_by_status ON articles (status, listed_at, id);
CREATE INDEX articles_search ON articles USING GIN (search);
CREATE INDEX articles_author ON articles (author_id);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_by_tag ON article_tags (tag_id, article_id);

-- Slugs an article had before a rename: GET on one answers 301 to the current slug.
CREATE TABLE article_slug_redirects (
    slug       TEXT PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX article_slug_redirects_article ON article_slug_redirects (article_id);
