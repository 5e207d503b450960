{% macro register_lake() -%}
    {#- On Spark (on-run-start): every source as a table over its folder in the lake leadjourney
        wrote from the warehouse (pipelines/lake.py), and the KPI functions the DuckDB warehouse
        holds as macros (pipelines/kpi_functions.py, passed as the var kpi_functions). -#}
    {%- if execute and target.type == 'spark' -%}
        {%- set lake = env_var('LEADJOURNEY_LAKE') -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- do run_query('create database if not exists ' ~ source.schema) -%}
            {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- do run_query('create table ' ~ source.schema ~ '.' ~ source.identifier
                ~ " using parquet options (path '" ~ lake ~ '/' ~ source.schema ~ '/' ~ source.identifier
                ~ "', mergeSchema 'true')") -%}
        {%- endfor -%}
        {%- for name, f in var('kpi_functions', {}).items() -%}
            {%- do run_query('create or replace temporary function ' ~ name ~ '(' ~ f.params ~ ') returns '
                ~ f.returns ~ ' return ' ~ f.body) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
