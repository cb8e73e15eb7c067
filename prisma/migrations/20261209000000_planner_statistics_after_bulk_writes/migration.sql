-- Planner statistics right after a bulk write (a lead import, a CRM sync). Until
-- autovacuum's next pass (up to a minute, and only past its own thresholds) the
-- planner still believes a freshly filled table is empty: a contacts page over
-- 2,000 new contacts then ran as a nested loop over every contact × company pair
-- (114 ms instead of 0.3 ms; bench/RESULTS.md, issue 14). The service role may
-- not ANALYZE (it owns no table), so this function does it for the sales tables,
-- only where the rows just written are a tenth of what the statistics know (the
-- same rule autovacuum applies) or the table was never analysed, and only when no
-- other session is already doing it (it never queues behind one).
CREATE FUNCTION app_refresh_sales_statistics(rows_written integer) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  target text;
  known real;
  analysed integer := 0;
BEGIN
  -- "sales statistics" (arbitrary, fixed): one refresh at a time across the service.
  IF NOT pg_try_advisory_xact_lock(7310552002) THEN
    RETURN 0;
  END IF;
  FOREACH target IN ARRAY ARRAY['Company', 'CompanyDomain', 'Contact', 'Lead', 'ExternalRef', 'Deal'] LOOP
    SELECT reltuples INTO known FROM pg_class WHERE oid = format('%I', target)::regclass;
    IF known < 0 OR rows_written > 50 + 0.1 * known THEN
      EXECUTE format('ANALYZE %I', target);
      analysed := analysed + 1;
    END IF;
  END LOOP;
  RETURN analysed;
END
$$;
REVOKE ALL ON FUNCTION app_refresh_sales_statistics(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_refresh_sales_statistics(integer) TO sales_app;
