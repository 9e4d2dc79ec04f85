-- Issue 8: text search at a million complaints. The board and the lists search open complaints
-- (~10,000 at a million) far more often than finished ones, and a common word (空调) is in ~15% of
-- all complaints: matching it against every complaint and sorting by urgency took ~300 ms. These
-- two tables hold the same text as complaint_fts / complaint_fts_cjk for open complaints only.
-- Triggers keep them in step with the stage on every path (operations, imports, restores,
-- retention); `store::search::index_complaint` refreshes them when the text itself changes.
-- Written to be re-runnable (IF NOT EXISTS, backfill of missing rows only): a database brought
-- forward from an older backup may already hold some of these objects.
CREATE VIRTUAL TABLE IF NOT EXISTS complaint_fts_open USING fts5(body, tokenize = 'trigram');
CREATE VIRTUAL TABLE IF NOT EXISTS complaint_fts_open_cjk USING fts5(body, tokenize = 'unicode61', detail = 'full');

INSERT INTO complaint_fts_open (rowid, body)
    SELECT f.rowid, f.body FROM complaint_fts f JOIN complaints c ON c.rowid = f.rowid
    WHERE c.stage NOT IN ('closed', 'not_accepted', 'cancelled') AND f.rowid NOT IN (SELECT rowid FROM complaint_fts_open);
INSERT INTO complaint_fts_open_cjk (rowid, body)
    SELECT f.rowid, f.body FROM complaint_fts_cjk f JOIN complaints c ON c.rowid = f.rowid
    WHERE c.stage NOT IN ('closed', 'not_accepted', 'cancelled') AND f.rowid NOT IN (SELECT rowid FROM complaint_fts_open_cjk);

-- Open ↔ finished (close, reopen, cancel, not accepted): copy the text in or drop it.
CREATE TRIGGER IF NOT EXISTS complaints_open_search_stage AFTER UPDATE OF stage ON complaints
WHEN (OLD.stage IN ('closed', 'not_accepted', 'cancelled')) <> (NEW.stage IN ('closed', 'not_accepted', 'cancelled'))
BEGIN
    DELETE FROM complaint_fts_open WHERE rowid = NEW.rowid;
    DELETE FROM complaint_fts_open_cjk WHERE rowid = NEW.rowid;
    INSERT INTO complaint_fts_open (rowid, body)
        SELECT rowid, body FROM complaint_fts
        WHERE rowid = NEW.rowid AND NEW.stage NOT IN ('closed', 'not_accepted', 'cancelled');
    INSERT INTO complaint_fts_open_cjk (rowid, body)
        SELECT rowid, body FROM complaint_fts_cjk
        WHERE rowid = NEW.rowid AND NEW.stage NOT IN ('closed', 'not_accepted', 'cancelled');
END;

CREATE TRIGGER IF NOT EXISTS complaints_open_search_delete AFTER DELETE ON complaints
BEGIN
    DELETE FROM complaint_fts_open WHERE rowid = OLD.rowid;
    DELETE FROM complaint_fts_open_cjk WHERE rowid = OLD.rowid;
END;
