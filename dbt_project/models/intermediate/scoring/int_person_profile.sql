-- Each person's company profile (their own record first, else their account's) with the analysis
-- dimensions (region, segment, size band) and the fit score of the fit + engagement model.

with persons as (
    select * from {{ ref('int_persons') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

profile as (
    select
        p.person_id,
        pa.account_id,
        pa.account_match_rule,
        a.account_name,
        p.title,
        coalesce(p.employees, a.employees) as employees,
        coalesce(p.industry, a.industry) as industry,
        coalesce(p.prefecture, a.prefecture) as prefecture,
        a.segment as account_segment
    from persons as p
    left join {{ ref('int_person_accounts') }} as pa on pa.person_id = p.person_id
    left join accounts as a on a.account_id = pa.account_id
),

-- the bands and rules are matched once per distinct employee count and title, not per person
employee_counts as (
    select distinct employees from profile where employees is not null
),

first_match as (
    select
        e.employees,
        (select min(priority) from {{ source('config', 'segments') }} as s
            where e.employees >= s.min_employees) as segment_priority,
        (select min(priority) from {{ source('config', 'size_bands') }} as b
            where e.employees >= b.min_employees) as size_band_priority,
        (select min(priority) from {{ source('config', 'fit_size_points') }} as f
            where e.employees >= f.min_employees) as size_points_priority
    from employee_counts as e
),

titles as (
    select distinct title from profile where title is not null
),

title_match as (
    select title, level, points
    from (
        select
            t.title,
            r.level,
            r.points,
            row_number() over (partition by t.title order by r.priority) as rank_
        from titles as t
        inner join {{ source('config', 'fit_title_rules') }} as r
            on {{ regex_matches('t.title', 'r.pattern') }}
    ) as ranked
    where rank_ = 1
)

select
    p.person_id,
    p.account_id,
    p.account_match_rule,
    p.account_name,
    p.employees,
    p.industry,
    p.prefecture,
    reg.region,
    coalesce(p.account_segment, seg.segment) as segment,
    band.size_band,
    t.level as title_level,
    coalesce(size_pts.points, 0) as fit_size_points,
    coalesce(ind.points, ind_default.points, 0) as fit_industry_points,
    coalesce(t.points, 0) as fit_title_points,
    coalesce(reg_pts.points, reg_default.points, 0) as fit_region_points,
    coalesce(size_pts.points, 0) + coalesce(ind.points, ind_default.points, 0)
        + coalesce(t.points, 0) + coalesce(reg_pts.points, reg_default.points, 0) as fit_score
from profile as p
left join first_match as fm on fm.employees = p.employees
left join {{ ref('prefecture_regions') }} as reg on reg.prefecture = p.prefecture
left join {{ source('config', 'segments') }} as seg on seg.priority = fm.segment_priority
left join {{ source('config', 'size_bands') }} as band on band.priority = fm.size_band_priority
left join {{ source('config', 'fit_size_points') }} as size_pts on size_pts.priority = fm.size_points_priority
left join {{ source('config', 'fit_industry_points') }} as ind on ind.industry = p.industry
left join {{ source('config', 'fit_industry_points') }} as ind_default on ind_default.industry is null
left join title_match as t on t.title = p.title
left join {{ source('config', 'fit_region_points') }} as reg_pts on reg_pts.region = reg.region
left join {{ source('config', 'fit_region_points') }} as reg_default on reg_default.region is null
