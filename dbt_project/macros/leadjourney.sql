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
    {#- lower-case, trimmed, full-width characters folded to ASCII (ｔａｒｏ＠ → taro@); the fold only
        where a character is not ASCII (translate with this map costs seconds a million rows). -#}
    nullif(lower(trim(replace(case when {{ is_ascii(column) }} then {{ column }} else
        translate({{ column }}, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~ ') end, 'mailto:', ''))), '')
{%- endmacro %}

{% macro is_ascii(column) -%}
    {#- Every character of the text is ASCII (as many bytes as characters). -#}
    {{ return(adapter.dispatch('is_ascii', 'leadjourney')(column)) }}
{%- endmacro %}
{% macro duckdb__is_ascii(column) -%}
    (strlen({{ column }}) = length({{ column }}))
{%- endmacro %}
{% macro spark__is_ascii(column) -%}
    (octet_length({{ column }}) = length({{ column }}))
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

{% macro versioned_extracts() -%}
    {#- Raw extracts kept as versions of keyed records: table -> (key, modified-time field). The
        keys are the contract's (pipelines/contract.py; a test keeps the two equal). -#}
    {{ return({
        'ma_leads': (['lead_id'], 'modified_at'),
        'ma_activities': (['activity_id'], none),
        'ma_campaigns': (['campaign_id'], none),
        'sfa_users': (['user_name'], none),
        'sfa_leads': (['sfa_lead_id'], 'modified_at'),
        'sfa_activities': (['activity_id'], none),
        'sfa_opportunities': (['opportunity_id'], 'modified_at'),
        'sfa_opportunity_history': (['opportunity_id', 'changed_at', 'stage'], none),
        'crm_accounts': (['account_id'], 'modified_at'),
        'crm_contacts': (['contact_id'], 'modified_at'),
        'crm_subscriptions': (['subscription_id'], 'modified_at'),
        'crm_nps': (['response_id'], none),
    }) }}
{%- endmacro %}

{% macro record_versions(table) -%}
    {#- Every record's versions ranked (_version_rank 1 = latest: by the source's modified time,
        else load order), with _removed_by_load_id: the newest full export of the record's
        mapping no longer holds it (neither loaded nor quarantined there), so it has left the
        source. A full export that quarantined a line without a readable key cannot tell, and
        removes nothing; records with a composite key (histories) are never removed. A line a
        later full export of the same mapping repeats is held again by the loader, not copied
        (the row stays until an export drops it: _dropped_by_load_id); a row a later load holds
        again with the same values (_repeated_in_load_id) is no version of its own either: a daily
        full export does not double the versions of what did not change. -#}
    {%- set key, modified_field = versioned_extracts()[table] -%}
    {%- set relation = source('raw', table) -%}
    {%- set manifest = source('meta', 'load_manifest') -%}
    {%- set quarantine = source('meta', 'quarantine') -%}
    select
        v.*,
        {%- if key | length == 1 %}
        case when n.load_id is not null and h.record_key is null then n.load_id end
        {%- else %}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as _removed_by_load_id
    from (
        {#- Only a key held by more than one load has versions to rank: the loader quarantines a
            key repeated inside a file, so a load holds a key once, and a key with several versions
            has one outside the load with the most rows. Those few keys (a day's changes) are
            counted, and the window (a sort of the whole table) runs on the repeated keys alone. -#}
        {%- set same_key %}{% for k in key %}mv.{{ k }} is not distinct from r.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}{% endset %}
        {%- set multi_version %}
            select {% for k in key %}r.{{ k }}, {% endfor %}1 as _multi
            from {{ relation }} as r
            inner join (
                select distinct {{ key | join(', ') }} from {{ relation }}
                where _repeated_in_load_id is null
                    and _load_id <> (select _load_id from {{ relation }} group by _load_id
                                     order by count(*) desc, _load_id limit 1)
            ) as mv on {{ same_key }}
            where r._repeated_in_load_id is null
            group by {% for k in key %}r.{{ k }}{{ ', ' if not loop.last }}{% endfor %}
            having count(*) > 1
        {%- endset %}
        {%- set r_key %}{% for k in key %}r.{{ k }}{{ ', ' if not loop.last }}{% endfor %}{% endset %}
        select
            r.*,
            m.mapping as _mapping,
            m.carried_fields as _carried_fields,
            row_number() over (
                partition by {{ r_key }}
                order by {% if modified_field %}r.{{ modified_field }} desc nulls last, {% endif %}r._loaded_at desc, r._load_id desc, r._line_number desc
            ) as _version_rank,
            count(*) over (partition by {{ r_key }}) as _version_count
        from {{ relation }} as r
        inner join ({{ multi_version }}) as mv on {{ same_key }}
        left join {{ manifest }} as m on m.load_id = r._load_id
        where r._repeated_in_load_id is null
        union all
        select
            r.*,
            m.mapping as _mapping,
            m.carried_fields as _carried_fields,
            cast(1 as {{ dbt.type_bigint() }}) as _version_rank,
            cast(1 as {{ dbt.type_bigint() }}) as _version_count
        from {{ relation }} as r
        left join ({{ multi_version }}) as mv on {{ same_key }}
        left join {{ manifest }} as m on m.load_id = r._load_id
        where r._repeated_in_load_id is null and mv._multi is null
    ) as v
    {%- if key | length == 1 %}
    left join ({{ newest_full_exports(table) }}) as n on n.mapping = v._mapping
    left join (
        {#- what the newest full export holds: its own rows, and the rows of its mapping's earlier
            full exports it held again (the loader drops every other row of the mapping) -#}
        select distinct cast(r.{{ key[0] }} as {{ dbt.type_string() }}) as record_key, f.load_id
        from {{ relation }} as r
        inner join {{ manifest }} as m on m.load_id = r._load_id
        inner join ({{ newest_full_exports(table) }}) as f on f.mapping = m.mapping
        where r._load_id = f.load_id
            or (r._dropped_by_load_id is null and r._line_hash is not null
                and m.status = 'loaded' and m.export_kind = 'full')
        union
        select record_key, load_id from {{ quarantine }}
        where record_key is not null
            and load_id in (select load_id from ({{ newest_full_exports(table) }}) as f)
    ) as h on h.load_id = n.load_id and h.record_key = cast(v.{{ key[0] }} as {{ dbt.type_string() }})
    {%- endif %}
{%- endmacro %}

{% macro newest_full_exports(table) -%}
    {#- The newest full export of each mapping of an extract that can tell what it holds (no line
        quarantined without a readable key): (mapping, load_id). -#}
    select mapping, load_id
    from (
        select mapping, load_id,
               row_number() over (partition by mapping order by loaded_at desc, load_id desc) as rank_
        from {{ source('meta', 'load_manifest') }}
        where extract = '{{ table }}' and status = 'loaded' and export_kind = 'full'
    ) as ranked
    where rank_ = 1
        and not exists (select 1 from {{ source('meta', 'quarantine') }} as q
                        where q.load_id = ranked.load_id and q.record_key is null)
{%- endmacro %}

{% macro latest_version(table) -%}
    {#- The current version of each record of a raw extract (see record_versions); records the
        sources removed are listed in marts.removed_records instead. A field the record's latest
        file did not carry (the column was absent from that export, which is not the same as an
        empty cell) keeps its value from the latest version whose file carried it. -#}
    {%- set key = versioned_extracts()[table][0] -%}
    {#- the raw table itself (a unit test's source() is its fixture, whose columns are the table's) -#}
    {%- set raw_table = api.Relation.create(database=(target.database if target.type != 'spark' else none),
        schema='raw', identifier=table) -%}
    {%- set columns = adapter.get_columns_in_relation(raw_table) | map(attribute='name') | list
        if execute else [] -%}
    {%- set fields = [] -%}
    {%- for c in columns if c not in key and not c.startswith('_') -%}
        {%- do fields.append(c) -%}
    {%- endfor -%}
    {%- if not fields %}
    select * from ({{ record_versions(table) }}) as versions
    where _version_rank = 1 and _removed_by_load_id is null
    {%- else %}
    with versions as (
        select * from ({{ record_versions(table) }}) as v
    ),
    carried as (
        select load_id
            {%- for f in fields %},
            coalesce({{ json_list_contains('carried_fields', f) }}, true) as {{ f }}
            {%- endfor %}
        from {{ source('meta', 'load_manifest') }}
    ),
    known as (
        -- records with several versions: each field from the latest version that carried it
        select
            {%- for k in key %}
            v.{{ k }},
            {%- endfor %}
            {%- for f in fields %}
            {{ value_at_min('v.' ~ f, 'case when coalesce(c.' ~ f ~ ', true) then v._version_rank end') }} as {{ f }}
            {{- ',' if not loop.last }}
            {%- endfor %}
        from versions as v
        left join carried as c on c.load_id = v._load_id
        where v._version_count > 1
        group by {% for k in key %}v.{{ k }}{{ ', ' if not loop.last }}{% endfor %}
    )
    {%- set lineage = 'l._mapping, l._carried_fields, l._version_rank, l._version_count, l._removed_by_load_id' %}
    -- a record with one version as it is, else joined to its fields from the versions
    select {% for c in columns %}l.{{ c }}, {% endfor %}{{ lineage }}
    from versions as l
    where l._version_count = 1 and l._removed_by_load_id is null
    union all
    select
        {%- for c in columns %}
        {{ 'k' if c in fields else 'l' }}.{{ c }},
        {%- endfor %}
        {{ lineage }}
    from versions as l
    inner join known as k on {% for k in key %}k.{{ k }} = l.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
    where l._version_count > 1 and l._version_rank = 1 and l._removed_by_load_id is null
    {%- endif %}
{%- endmacro %}

{% macro json_list_contains(column, item) -%}
    {#- Whether a JSON list of strings holds an item. -#}
    {{ return(adapter.dispatch('json_list_contains', 'leadjourney')(column, item)) }}
{%- endmacro %}
{% macro duckdb__json_list_contains(column, item) -%}
    list_contains(from_json({{ column }}, '["VARCHAR"]'), '{{ item }}')
{%- endmacro %}
{% macro spark__json_list_contains(column, item) -%}
    array_contains(from_json({{ column }}, 'array<string>'), '{{ item }}')
{%- endmacro %}

{% macro value_at_min(value, order) -%}
    {#- The value on the row with the smallest `order` (rows whose order is null are left out;
        a null value there is the answer, not skipped). -#}
    {{ return(adapter.dispatch('value_at_min', 'leadjourney')(value, order)) }}
{%- endmacro %}
{% macro duckdb__value_at_min(value, order) -%}
    arg_min_null({{ value }}, {{ order }})
{%- endmacro %}
{% macro spark__value_at_min(value, order) -%}
    min_by({{ value }}, {{ order }})
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

{% macro sorted_list(column, delimiter) -%}
    {#- Every non-null value of a group, sorted, joined by `delimiter`; null when there is none
        (dbt.listagg cannot sort on Spark). -#}
    {{ return(adapter.dispatch('sorted_list', 'leadjourney')(column, delimiter)) }}
{%- endmacro %}
{% macro duckdb__sorted_list(column, delimiter) -%}
    string_agg({{ column }}, {{ delimiter }} order by {{ column }})
{%- endmacro %}
{% macro spark__sorted_list(column, delimiter) -%}
    case when count({{ column }}) > 0 then array_join(array_sort(collect_list({{ column }})), {{ delimiter }}) end
{%- endmacro %}

{% macro replace_by_date(column) -%}
    {#- The incremental config that replaces the dates a run selects and keeps the others: DuckDB
        deletes and inserts by the unique key; Spark's Parquet tables overwrite their partitions. -#}
    {{ return(adapter.dispatch('replace_by_date', 'leadjourney')(column)) }}
{%- endmacro %}
{% macro duckdb__replace_by_date(column) -%}
    {{ return({'incremental_strategy': 'delete+insert'}) }}
{%- endmacro %}
{% macro spark__replace_by_date(column) -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [column]}) }}
{%- endmacro %}
