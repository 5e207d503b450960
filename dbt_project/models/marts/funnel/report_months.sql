-- The months with data (MQL or other cohorts, stage entries, closed deals), oldest first: the
-- months the dashboard's period filter and the deck offer.

select month
from (
    select cohort_month as month from {{ ref('funnel_cohort_members') }}
    union
    select entered_month from {{ ref('lead_stage_events') }}
    union
    select closed_month from {{ ref('opportunity_outcomes') }}
) as months
where month is not null
