{#- True while `dbt run`, `dbt build` or `dbt retry` executes models: the
    only commands in which the raw reader lists and reads files (and, for
    CSV, writes its scratch tables). `dbt compile`, `dbt docs generate`,
    `dbt ls`, `dbt show` and the linter get the reader's empty select and
    leave the database as it was. -#}
{% macro is_building() -%}
    {{ return(execute and (flags.WHICH | string | lower) in ('run', 'build', 'retry')) }}
{%- endmacro %}
