{#- Macros: the business rules, and the few places where SQL differs between engines.
    Everything engine-specific lives here (adapter.dispatch: duckdb and spark); models use these
    and dbt's own cross-database macros (dbt.dateadd, dbt.date_trunc, dbt.split_part, ...). -#}

{% macro rule(name) -%}
    {#- One business rule from leadjourney.yml, as a scalar subquery on config.rules. -#}
    (select {{ name }} from {{ source('config', 'rules') }})
{%- endmacro %}

{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}

{% macro normalize_email(column) -%}
    {#- lower-case, trimmed, full-width characters folded to ASCII (ｔａｒｏ＠ → taro@). -#}
    nullif(lower(trim(replace(translate({{ column }}, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~ '), 'mailto:', ''))), '')
{%- endmacro %}

{% macro normalize_domain(column) -%}
    nullif(lower(trim({{ regexp_replace_all(regexp_replace_all(column, '^[a-zA-Z]+://', ''), '^www[.]|/.*$', '') }})), '')
{%- endmacro %}

{% macro to_business_time(column) -%}
    {{ return(adapter.dispatch('to_business_time', 'leadjourney')(column)) }}
{%- endmacro %}
{% macro duckdb__to_business_time(column) -%}
    timezone({{ rule('business_timezone') }}, timezone('UTC', {{ column }}))
{%- endmacro %}
{% macro spark__to_business_time(column) -%}
    from_utc_timestamp({{ column }}, {{ rule('business_timezone') }})
{%- endmacro %}

{% macro from_business_time(column) -%}
    {#- A local time (or date, taken as its midnight) in the business time zone, as UTC. -#}
    {{ return(adapter.dispatch('from_business_time', 'leadjourney')(column)) }}
{%- endmacro %}
{% macro duckdb__from_business_time(column) -%}
    timezone('UTC', timezone({{ rule('business_timezone') }}, cast({{ column }} as timestamp)))
{%- endmacro %}
{% macro spark__from_business_time(column) -%}
    to_utc_timestamp(cast({{ column }} as timestamp), {{ rule('business_timezone') }})
{%- endmacro %}

{% macro seconds_between(start, finish) -%}
    {{ return(adapter.dispatch('seconds_between', 'leadjourney')(start, finish)) }}
{%- endmacro %}
{% macro duckdb__seconds_between(start, finish) -%}
    (epoch(cast({{ finish }} as timestamp)) - epoch(cast({{ start }} as timestamp)))
{%- endmacro %}
{% macro spark__seconds_between(start, finish) -%}
    (unix_timestamp(cast({{ finish }} as timestamp)) - unix_timestamp(cast({{ start }} as timestamp)))
{%- endmacro %}

{% macro regexp_replace_all(column, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'leadjourney')(column, pattern, replacement)) }}
{%- endmacro %}
{% macro duckdb__regexp_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}
{% macro spark__regexp_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro regex_matches(column, pattern_column) -%}
    {{ return(adapter.dispatch('regex_matches', 'leadjourney')(column, pattern_column)) }}
{%- endmacro %}
{% macro duckdb__regex_matches(column, pattern_column) -%}
    regexp_matches({{ column }}, {{ pattern_column }})
{%- endmacro %}
{% macro spark__regex_matches(column, pattern_column) -%}
    ({{ column }} rlike {{ pattern_column }})
{%- endmacro %}

{% macro percentile(column, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'leadjourney')(column, fraction)) }}
{%- endmacro %}
{% macro duckdb__percentile(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}
{% macro spark__percentile(column, fraction) -%}
    percentile({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro latest_version(relation, key, modified_field=none) -%}
    {#- The latest version of each record: by the source's modified time, else load order. -#}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key | join(', ') }}
                order by {% if modified_field %}{{ modified_field }} desc nulls last, {% endif %}_loaded_at desc, _load_id desc, _line_number desc
            ) as _version_rank,
            count(*) over (partition by {{ key | join(', ') }}) as _version_count
        from {{ relation }}
    ) as versions
    where _version_rank = 1
{%- endmacro %}

{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'leadjourney')()) }}
{%- endmacro %}
{% macro duckdb__utc_now() -%}
    (now() at time zone 'UTC')
{%- endmacro %}
{% macro spark__utc_now() -%}
    to_utc_timestamp(current_timestamp(), current_timezone())
{%- endmacro %}

{% macro business_minute_index(local_ts, calendar_alias) -%}
    {#- Business minutes from the calendar's start to a local time; the calendar row must be the
        one of that time's date. Subtract two of these for the business minutes between them. -#}
    ({{ calendar_alias }}.business_minutes_before + case when {{ calendar_alias }}.is_business_day then
        least(greatest(extract(hour from {{ local_ts }}) * 60 + extract(minute from {{ local_ts }})
                       - {{ rule('business_day_start_minute') }}, 0),
              {{ calendar_alias }}.business_minutes_in_day)
     else 0 end)
{%- endmacro %}

{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro cohort_is_young(month_column, as_of_date_column) -%}
    {#- A cohort month is too young to judge until funnel.maturity_days after the month's end. -#}
    ({{ dbt.dateadd('day', rule('funnel_maturity_days'), dbt.dateadd('month', 1, month_column)) }}
        > cast({{ as_of_date_column }} as timestamp))
{%- endmacro %}

{% macro json_string_list_items(column) -%}
    {#- One row per item of a JSON list of strings (a set-returning select expression). -#}
    {{ return(adapter.dispatch('json_string_list_items', 'leadjourney')(column)) }}
{%- endmacro %}
{% macro duckdb__json_string_list_items(column) -%}
    unnest(from_json({{ column }}, '["VARCHAR"]'))
{%- endmacro %}
{% macro spark__json_string_list_items(column) -%}
    explode(from_json({{ column }}, 'array<string>'))
{%- endmacro %}
