-- Who issued each event's command (a role such as coordinator or contributor:NLD).
ALTER TABLE events ADD COLUMN actor TEXT NOT NULL DEFAULT 'admin';
