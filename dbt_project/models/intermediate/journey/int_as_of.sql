-- The moment "now" means for deadlines, overdue lists and young cohorts (reporting.as_of):
-- the newest time recorded in the loaded extracts (latest_record: every stage time, the close
-- dates of closed deals included), the wall clock (now), or a fixed local time. One row, with the
-- month in progress (as_of_month) and the reporting month every page, slide and export
-- headlines unless the user picks another: the last complete month (business time zone). The
-- weekly working view's week (Monday to Sunday, business time zone) and its horizon: the last day
-- a first contact or re-approach may fall due to be listed (actions.horizon_days after as_of).

with recorded as (
    select max(recorded_at) as latest_record_at
    from (
        select max(created_at) as recorded_at from {{ ref('stg_ma__leads') }}
        union all select max(modified_at) from {{ ref('stg_ma__leads') }}
        union all select max(occurred_at) from {{ ref('stg_ma__activities') }}
        union all select max(created_at) from {{ ref('stg_sfa__leads') }}
        union all select max(modified_at) from {{ ref('stg_sfa__leads') }}
        union all select max(occurred_at) from {{ ref('stg_sfa__activities') }}
        union all select max(created_at) from {{ ref('stg_sfa__opportunities') }}
        union all select max(modified_at) from {{ ref('stg_sfa__opportunities') }}
        union all select max(changed_at) from {{ ref('stg_sfa__opportunity_history') }}
        union all select max({{ from_business_time('close_date') }}) from {{ ref('stg_sfa__opportunities') }}
            where is_closed
        union all select max(entered_at) from {{ ref('stg_stage_events') }}
        union all select max(exited_at) from {{ ref('stg_stage_events') }}
        union all select max(modified_at) from {{ ref('stg_crm__accounts') }}
        union all select max(modified_at) from {{ ref('stg_crm__contacts') }}
        union all select max(modified_at) from {{ ref('stg_crm__subscriptions') }}
        union all select max(responded_at) from {{ ref('stg_crm__nps') }}
    ) as times
),

resolved as (
    select
        case {{ rule('as_of_mode') }}
            when 'now' then {{ utc_now() }}
            when 'fixed' then {{ from_business_time(rule('as_of_fixed')) }}
            else coalesce(latest_record_at, {{ utc_now() }})
        end as as_of,
        latest_record_at
    from recorded
)

select
    as_of,
    cast({{ to_business_time('as_of') }} as date) as as_of_local_date,
    -- the month in progress, and the headline month everywhere: the last complete one
    cast({{ dbt.date_trunc('month', to_business_time('as_of')) }} as date) as as_of_month,
    cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', to_business_time('as_of'))) }} as date)
        as last_complete_month,
    cast({{ dbt.date_trunc('week', to_business_time('as_of')) }} as date) as as_of_week,
    cast({{ dbt.dateadd('day', rule('action_horizon_days'), to_business_time('as_of')) }} as date)
        as action_horizon_date,
    latest_record_at
from resolved
