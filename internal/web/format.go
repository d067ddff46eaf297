// How values are shown on pages: dates, times, yes/no, ids in links.

package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/fields"
)

const dateTimeLayout = "2006-01-02 15:04"

func fmtTime(t time.Time) string { return t.UTC().Format(dateTimeLayout) }

func fmtTimePtr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return fmtTime(*t)
}

func dateKey(t *time.Time) string { return fields.FormatDate(t) }

func idValue(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// labeled joins "label value" for each label and value pair whose value is
// set, with commas: labeled("PO", "Pat", "AM", "") is "PO Pat".
func labeled(labelsAndValues ...string) string {
	var parts []string
	for i := 0; i+1 < len(labelsAndValues); i += 2 {
		if v := labelsAndValues[i+1]; v != "" {
			parts = append(parts, labelsAndValues[i]+" "+v)
		}
	}
	return strings.Join(parts, ", ")
}
