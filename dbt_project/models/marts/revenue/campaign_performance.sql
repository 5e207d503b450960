-- What marketing spent and what it brought, per month (business time zone), channel and campaign,
-- for the budget discussion. Every column is a sum over its month, so pages add rows up over any
-- period, channel or campaign:
--   cost         each campaign's cost in the reporting currency, spread evenly over its days
--                (started_on to ended_on; a campaign without an end date, its first day)
--   new_leads, mqls, sqls, opportunities
--                lead cycles entering the stage that month (stage entries, skipped stages
--                included, as funnel_period's 'reached' entries), by the cycle's original channel
--                and campaign (first touch)
--   won_deals, won_arr_first_touch
--                deals won that month (opportunity_outcomes' closed month) by the first touch
--   won_arr_last_touch
--                the same deals' ARR by the last touch (arr_attribution)
-- The KPIs over any set of rows: cost per MQL / SQL / won deal = sum(cost) / sum(mqls | sqls |
-- won_deals); ROI = (sum(won_arr_<touch>) - sum(cost)) / sum(cost), first and last touch.

with campaigns as (
    select * from {{ ref('stg_ma__campaigns') }}
),

cost as (
    select
        cal.month_start as month,
        coalesce(c.channel, {{ no_value() }}) as channel,
        c.campaign_id as campaign,
        sum(cast(c.cost as double) * fx.rate
            / ({{ dbt.datediff('c.started_on', 'coalesce(c.ended_on, c.started_on)', 'day') }} + 1)) as cost
    from campaigns as c
    inner join {{ source('config', 'fx_rates') }} as fx on fx.currency = c.currency
    inner join {{ source('config', 'calendar') }} as cal
        on cal.date_day between c.started_on and coalesce(c.ended_on, c.started_on)
    where c.cost is not null and c.started_on is not null
        and coalesce(c.ended_on, c.started_on) >= c.started_on
    group by cal.month_start, coalesce(c.channel, {{ no_value() }}), c.campaign_id
),

stages as (
    select
        e.entered_month as month,
        a.channel,
        a.campaign,
        {{ count_where("e.stage = 'known'") }} as new_leads,
        {{ count_where("e.stage = 'mql'") }} as mqls,
        {{ count_where("e.stage = 'sql'") }} as sqls,
        {{ count_where("e.stage = 'opportunity'") }} as opportunities
    from {{ ref('lead_stage_events') }} as e
    inner join {{ ref('lead_attributes') }} as a on a.lead_id = e.lead_id and a.cycle_number = e.cycle_number
    where e.stage in ('known', 'mql', 'sql', 'opportunity')
    group by e.entered_month, a.channel, a.campaign
),

won as (
    select
        o.closed_month as month,
        w.first_touch_channel,
        w.first_touch_campaign_id,
        w.last_touch_channel,
        w.last_touch_campaign_id,
        w.won_arr
    from {{ ref('arr_attribution') }} as w
    inner join {{ ref('opportunity_outcomes') }} as o on o.opportunity_id = w.opportunity_id
),

unioned as (
    select month, channel, campaign, cost, 0 as new_leads, 0 as mqls, 0 as sqls, 0 as opportunities,
           0 as won_deals, 0 as won_arr_first_touch, 0 as won_arr_last_touch
    from cost
    union all
    select month, channel, campaign, 0, new_leads, mqls, sqls, opportunities, 0, 0, 0
    from stages
    union all
    select month, coalesce(first_touch_channel, {{ no_value() }}), coalesce(first_touch_campaign_id, {{ no_value() }}),
           0, 0, 0, 0, 0, 1, won_arr, 0
    from won
    union all
    select month, coalesce(last_touch_channel, {{ no_value() }}), coalesce(last_touch_campaign_id, {{ no_value() }}),
           0, 0, 0, 0, 0, 0, 0, won_arr
    from won
)

select
    u.month,
    u.channel,
    u.campaign,
    c.campaign_name,
    cast(sum(u.cost) as decimal(38, 2)) as cost,
    cast(sum(u.new_leads) as {{ dbt.type_bigint() }}) as new_leads,
    cast(sum(u.mqls) as {{ dbt.type_bigint() }}) as mqls,
    cast(sum(u.sqls) as {{ dbt.type_bigint() }}) as sqls,
    cast(sum(u.opportunities) as {{ dbt.type_bigint() }}) as opportunities,
    cast(sum(u.won_deals) as {{ dbt.type_bigint() }}) as won_deals,
    cast(sum(u.won_arr_first_touch) as decimal(38, 2)) as won_arr_first_touch,
    cast(sum(u.won_arr_last_touch) as decimal(38, 2)) as won_arr_last_touch,
    {{ rule('reporting_currency') }} as currency
from unioned as u
left join campaigns as c on c.campaign_id = u.campaign
where u.month is not null
group by u.month, u.channel, u.campaign, c.campaign_name
