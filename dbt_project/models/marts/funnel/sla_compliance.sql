-- Hand-off SLA compliance per month (of the MQL notification, business time zone), team, rep and
-- rule: the hand-offs of sla_handoff_rules summed (met, missed, pending).

select
    notified_month,
    team,
    owner,
    sla_rule,
    count(*) as handoffs,
    {{ count_where('met') }} as met,
    {{ count_where('met = false') }} as missed,
    {{ count_where('met is null') }} as pending,
    cast(sum(case when met then 1 else 0 end) as double)
        / nullif(sum(case when met is not null then 1 else 0 end), 0) as compliance_rate,
    avg(hours_to_first_contact) as avg_hours_to_first_contact,
    {{ rule('target_sla_compliance_min') }} as target_compliance_min
from {{ ref('sla_handoff_rules') }}
group by notified_month, team, owner, sla_rule
