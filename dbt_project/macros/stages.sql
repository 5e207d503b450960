{#- The journey's stages. Order is the funnel order; won and lost are alternative outcomes of an
    opportunity; disqualified and recycled are side exits after SAL. `implied_by` lists the
    stages whose entry proves this stage was reached (a skipped stage counts as reached). -#}

{% macro journey_stages() -%}
    {{ return([
        {'stage': 'known', 'order': 1, 'funnel': true},
        {'stage': 'mql', 'order': 2, 'funnel': true},
        {'stage': 'sal', 'order': 3, 'funnel': true},
        {'stage': 'sql', 'order': 4, 'funnel': true},
        {'stage': 'opportunity', 'order': 5, 'funnel': true},
        {'stage': 'won', 'order': 6, 'funnel': true},
        {'stage': 'lost', 'order': 6, 'funnel': false},
        {'stage': 'customer', 'order': 7, 'funnel': true},
        {'stage': 'advocate', 'order': 8, 'funnel': true},
        {'stage': 'disqualified', 'order': 4, 'funnel': false},
        {'stage': 'recycled', 'order': 4, 'funnel': false},
    ]) }}
{%- endmacro %}

{% macro implied_by(stage) -%}
    {#- Stages whose entry shows that `stage` was reached. -#}
    {%- set chain = ['known', 'mql', 'sal', 'sql', 'opportunity'] -%}
    {%- set outcomes = ['won', 'lost', 'customer', 'advocate'] -%}
    {%- if stage in chain -%}
        {{ return(chain[chain.index(stage):] + outcomes) }}
    {%- elif stage == 'won' -%}
        {{ return(['won', 'customer', 'advocate']) }}
    {%- elif stage == 'customer' -%}
        {{ return(['customer', 'advocate']) }}
    {%- else -%}
        {{ return([stage]) }}
    {%- endif -%}
{%- endmacro %}

{% macro stage_order_sql(column) -%}
    case {{ column }}
    {%- for s in journey_stages() %}
        when '{{ s.stage }}' then {{ s.order }}
    {%- endfor %}
    end
{%- endmacro %}

{% macro no_value() -%}
    {#- The bucket of an empty dimension value: kept apart from a source's own 'unknown' (NO_VALUE in
        pipelines/contract.py). -#}
    '(none)'
{%- endmacro %}

{% macro analysis_dimensions() -%}
    {#- The dimensions every funnel mart is cut by: name -> lead_journey column. -#}
    {{ return({
        'all': "'all'",
        'channel': 'original_channel',
        'campaign': 'original_campaign_id',
        'segment': 'segment',
        'industry': 'industry',
        'size_band': 'size_band',
        'region': 'region',
        'owner': 'owner',
    }) }}
{%- endmacro %}

{% macro dimension_columns(prefix='') -%}
    {#- One column per analysis dimension (except 'all'), named after it; no_value() when empty. -#}
    {%- for name, column in analysis_dimensions().items() if name != 'all' %}
    coalesce(cast({{ prefix }}{{ column }} as {{ dbt.type_string() }}), {{ no_value() }}) as {{ name }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro dimension_grouping_sets(keys, alias) -%}
    {#- GROUP BY `keys` once overall and once per analysis dimension of lead_attributes `alias`: one
        pass instead of a row per lead and dimension. Pair with
        dimension_of_set(alias). -#}
    {%- set names = analysis_dimensions().keys() | reject('equalto', 'all') | list %}
    grouping sets (({{ keys | join(', ') }})
    {%- for name in names %}, ({{ (keys + [alias ~ '.' ~ name]) | join(', ') }}){% endfor %})
{%- endmacro %}

{% macro dimension_of_set(alias) -%}
    {#- The dimension and dimension_value of a dimension_grouping_sets row ('all', 'all' overall). -#}
    {%- set names = analysis_dimensions().keys() | reject('equalto', 'all') | list %}
    case {% for name in names %}when grouping({{ alias }}.{{ name }}) = 0 then '{{ name }}' {% endfor %}else 'all' end
        as dimension,
    case {% for name in names %}when grouping({{ alias }}.{{ name }}) = 0 then {{ alias }}.{{ name }} {% endfor %}else 'all'
        end as dimension_value
{%- endmacro %}

{% macro strictly_reached(from_stage, to_stage) -%}
    {#- Entered every funnel stage from `from_stage` to `to_stage` in order (no skips, no going back). -#}
    {%- set chain = ['known', 'mql', 'sal', 'sql', 'opportunity', 'won', 'customer', 'advocate'] -%}
    {%- set path = chain[chain.index(from_stage):chain.index(to_stage) + 1] -%}
    ({% for s in path %}{{ s }}_at is not null{% if not loop.last %} and {% endif %}{% endfor %}
    {%- for s in path[1:] %} and {{ path[loop.index0] }}_at <= {{ s }}_at{% endfor %})
{%- endmacro %}

{% macro is_measurable(measure) -%}
    {#- True when some loaded source carries `measure` ('stage:sql', 'sla:decision'). -#}
    coalesce((select max(case when is_measurable then 1 else 0 end)
              from {{ ref('int_measure_coverage') }} where measure = '{{ measure }}') = 1, false)
{%- endmacro %}

{% macro when_measurable(measures, expr) -%}
    {#- `expr` when every one of `measures` is measurable, else null (not measurable is not zero). -#}
    case when {% for m in measures %}{{ is_measurable(m) }}{% if not loop.last %} and {% endif %}{% endfor %}
        then {{ expr }} end
{%- endmacro %}

{% macro reached_flag(stage_column) -%}
    {#- funnel_cohort_members' reached_<stage> flag of the stage named in `stage_column`. -#}
    case {{ stage_column }}
        {%- for stage in ['mql', 'sal', 'sql', 'opportunity', 'won', 'customer'] %}
        when '{{ stage }}' then m.reached_{{ stage }}
        {%- endfor %}
    end
{%- endmacro %}
