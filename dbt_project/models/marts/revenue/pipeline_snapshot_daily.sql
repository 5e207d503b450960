{{ config(materialized='incremental', unique_key=['snapshot_date', 'opportunity_id'],
          on_schema_change='append_new_columns', **replace_by_date('snapshot_date')) }}
-- The open pipeline on each run's day (business time zone; the as_of date when reporting.as_of is
-- a fixed time): one row per snapshot date and open opportunity. Incremental: each run adds (or
-- refreshes) its own date and never rewrites earlier dates, so the trend survives the SFA
-- overwriting its data.

select
    case when {{ rule('as_of_mode') }} = 'fixed' then a.as_of_local_date
         else cast({{ to_business_time(utc_now()) }} as date) end as snapshot_date,
    o.opportunity_id,
    o.person_id as lead_id,
    o.account_id,
    o.owner,
    o.stage,
    o.amount,
    o.currency as amount_currency,
    o.amount_reporting,
    {{ rule('reporting_currency') }} as currency,
    o.created_at,
    o.close_date
from {{ ref('int_opportunity_amounts') }} as o
cross join {{ ref('int_as_of') }} as a
where not o.is_closed
