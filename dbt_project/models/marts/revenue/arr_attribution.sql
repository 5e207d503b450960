-- Won ARR traced back to marketing. One row per won opportunity: its annual contract value (the
-- amount) in the reporting currency, the account, and two attributions of the lead behind it:
-- first touch = the lead's original channel and campaign (their first record); last touch = the
-- campaign of the lead's last MA activity with a campaign before the opportunity was created (its
-- channel), else the first touch.

with won as (
    select * from {{ ref('int_opportunity_amounts') }} where is_won
),

last_touch as (
    select opportunity_id, campaign_id
    from (
        select
            w.opportunity_id,
            a.campaign_id,
            row_number() over (partition by w.opportunity_id order by a.occurred_at desc, a.activity_id desc)
                as rank_
        from won as w
        inner join {{ ref('int_activity_points') }} as a
            on a.person_id = w.person_id and a.campaign_id is not null and a.occurred_at <= w.created_at
    ) as ranked
    where rank_ = 1
)

select
    w.opportunity_id,
    w.person_id as lead_id,
    w.cycle_number,
    w.account_id,
    w.close_date as won_date,
    cal.fiscal_year as won_fiscal_year,
    w.amount,
    w.currency as amount_currency,
    w.amount_reporting as won_arr,
    {{ rule('reporting_currency') }} as currency,
    p.original_channel as first_touch_channel,
    p.original_campaign_id as first_touch_campaign_id,
    coalesce(c.channel, p.original_channel) as last_touch_channel,
    coalesce(lt.campaign_id, p.original_campaign_id) as last_touch_campaign_id
from won as w
left join {{ ref('int_persons') }} as p on p.person_id = w.person_id
left join last_touch as lt on lt.opportunity_id = w.opportunity_id
left join {{ ref('stg_ma__campaigns') }} as c on c.campaign_id = lt.campaign_id
left join {{ source('config', 'calendar') }} as cal on cal.date_day = w.close_date
