-- One row per opportunity: its owner with team, manager and office, its outcome (won, lost or
-- open) and when it closed, in the business time zone. The win rate is defined here once:
-- won / (won + lost), open deals counted apart; pages sum these rows under their filters.
-- The forecast is defined here too: an open deal's stage gives its probability and forecast
-- category (pipeline.stages); a won deal counts whole (closed), a lost one not at all (omitted),
-- and an open deal whose stage the rules do not know is 'unmapped' with no weighted amount. The
-- forecast month is the month it closed, or for an open deal the month of its expected close date.

with opportunities as (
    select * from {{ ref('int_opportunity_amounts') }}
),

users as (
    select * from {{ ref('stg_sfa__users') }}
),

-- when the deal last entered its current stage (moves back included)
stage_entered as (
    select o.opportunity_id, max(h.changed_at) as stage_entered_at
    from opportunities as o
    inner join {{ ref('stg_sfa__opportunity_history') }} as h
        on h.opportunity_id = o.opportunity_id and h.stage = o.stage
    group by o.opportunity_id
),

closed_at as (
    select
        o.*,
        case
            when o.is_won then coalesce(o.won_changed_at, {{ from_business_time('o.close_date') }})
            when o.is_lost then coalesce(o.lost_changed_at, {{ from_business_time('o.close_date') }})
        end as closed_at
    from opportunities as o
)

select
    -- ids
    o.opportunity_id,
    o.person_id as lead_id,
    o.cycle_number,
    o.account_id,

    -- who
    coalesce(o.owner, {{ no_value() }}) as owner,
    coalesce(u.team, {{ no_value() }}) as owner_team,
    coalesce(u.manager_name, {{ no_value() }}) as owner_manager,
    coalesce(u.office, {{ no_value() }}) as owner_office,

    -- outcome
    o.stage,
    case when o.is_won then 'won' when o.is_lost then 'lost' else 'open' end as outcome,
    o.is_won,
    o.is_lost,
    not o.is_closed as is_open,
    o.amount_reporting as amount,
    case when o.is_won then o.amount_reporting end as won_amount,

    -- forecast
    case when o.is_won then 'closed' when o.is_lost then 'omitted'
         else coalesce(s.forecast_category, 'unmapped') end as forecast_category,
    case when o.is_won then 1.0 when o.is_lost then 0.0 else s.probability end as probability,
    cast(o.amount_reporting * case when o.is_won then 1.0 when o.is_lost then 0.0 else s.probability end
         as decimal(18, 2)) as weighted_amount,
    case when o.is_closed then cast({{ dbt.date_trunc('month', to_business_time('o.closed_at')) }} as date)
         else cast({{ dbt.date_trunc('month', 'o.close_date') }} as date) end as forecast_month,
    not o.is_closed and o.close_date < a.as_of_local_date as is_past_close_date,
    coalesce(e.stage_entered_at, o.created_at) as stage_entered_at,
    case when not o.is_closed then
        {{ seconds_between('coalesce(e.stage_entered_at, o.created_at)', 'a.as_of') }} / cast(86400 as double)
    end as days_in_stage,

    -- times (UTC) and months (business time zone)
    o.created_at,
    o.close_date,
    o.closed_at,
    cast({{ dbt.date_trunc('month', to_business_time('o.created_at')) }} as date) as created_month,
    cast({{ dbt.date_trunc('month', to_business_time('o.closed_at')) }} as date) as closed_month,
    cast({{ dbt.datediff('cast(' ~ to_business_time('o.created_at') ~ ' as date)',
                         'cast(' ~ to_business_time('o.closed_at') ~ ' as date)', 'day') }} as double)
        as days_to_close
from closed_at as o
cross join {{ ref('int_as_of') }} as a
left join users as u on u.user_name = o.owner
left join stage_entered as e on e.opportunity_id = o.opportunity_id
left join {{ source('config', 'opportunity_stages') }} as s on s.stage = o.stage
