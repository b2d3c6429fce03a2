import { Component, onMounted, onWillUnmount, useState } from "@odoo/owl";
import { formatDuration, toLocaleDateTimeString } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { DateTimeField } from "@web/views/fields/datetime/datetime_field";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

const { DateTime } = luxon;

/**
 * An SLA deadline read as the time left ("in 3h") or the delay ("2h late"),
 * in the user's language, refreshed every minute; the exact date is in the
 * tooltip. Editable, it is the usual date picker. `reached_field` names a
 * field that, once set, shows the plain date: a met target has no countdown.
 */
export class SlaCountdownField extends Component {
    static template = "service_desk.SlaCountdownField";
    static components = { DateTimeField };
    static props = {
        ...standardFieldProps,
        reachedField: { type: String, optional: true },
    };

    setup() {
        this.clock = useState({ now: DateTime.now() });
        let timer;
        onMounted(() => {
            timer = setInterval(() => (this.clock.now = DateTime.now()), 60000);
        });
        onWillUnmount(() => clearInterval(timer));
    }

    get value() {
        return this.props.record.data[this.props.name];
    }

    get isReached() {
        const { reachedField, record } = this.props;
        return Boolean(reachedField && record.data[reachedField]);
    }

    get seconds() {
        return this.value.diff(this.clock.now, "seconds").seconds;
    }

    get isLate() {
        return Boolean(this.value) && !this.isReached && this.seconds < 0;
    }

    get label() {
        if (!this.value) {
            return "";
        }
        if (this.isReached) {
            return this.formattedValue;
        }
        const duration = formatDuration(Math.abs(this.seconds), false);
        return this.isLate ? _t("%s late", duration) : _t("in %s", duration);
    }

    get formattedValue() {
        return toLocaleDateTimeString(this.value);
    }

    get dateTimeFieldProps() {
        return Object.fromEntries(
            Object.entries(this.props).filter(([key]) => key in standardFieldProps)
        );
    }
}

export const slaCountdownField = {
    component: SlaCountdownField,
    displayName: _t("SLA Countdown"),
    supportedTypes: ["datetime"],
    supportedOptions: [
        {
            label: _t("Reached when set"),
            name: "reached_field",
            type: "field",
            availableTypes: ["datetime"],
        },
    ],
    extractProps: ({ options }) => ({ reachedField: options.reached_field }),
    fieldDependencies: ({ options }) =>
        options.reached_field ? [{ name: options.reached_field, type: "datetime" }] : [],
};

registry.category("fields").add("service_sla_countdown", slaCountdownField);
