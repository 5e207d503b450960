-- One row per opportunity: its owner with team, manager and office, its outcome (won, lost or
-- open) and when it closed, in the business time zone. The win rate is defined here once:
-- won / (won + lost), open deals counted apart; pages sum these rows under their filters.

with opportunities as (
    select * from {{ ref('int_opportunity_amounts') }}
),

users as (
    select * from {{ ref('stg_sfa__users') }}
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
left join users as u on u.user_name = o.owner
