import java.time.Instant;
import java.time.LocalDateTime;
import java.time.Month;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransitionRule;
import java.time.zone.ZoneRules;
import java.util.Arrays;
import java.util.List;
import java.util.TimeZone;

/**
 * Prints what JDK 17 does with every ID of TimeZone.getAvailableIDs(), one tab-separated line each:
 *
 *   ID  ZONE_ID  FIXED  POSIX  OFFSETS
 *
 * ZONE_ID is TimeZone.getTimeZone(ID).toZoneId() (a region such as America/Los_Angeles, or an
 * offset such as -05:00); FIXED is the offset in seconds when the zone's rules never change, else
 * "-"; POSIX is the zone's current DST rule as a POSIX TZ string when it has one, else "-";
 * OFFSETS are the zone's total offsets in seconds (TimeZone.getOffset) at the instants given as
 * arguments, comma-separated. The first line is "#", the Java version and the tzdb version.
 *
 * Run by generate.py; see there.
 */
public class JavaZoneIds {
    public static void main(String[] args) {
        List<Instant> instants = Arrays.stream(args).map(Instant::parse).toList();
        String tzdb = java.time.zone.ZoneRulesProvider.getVersions("UTC").firstKey();
        System.out.println("#\t" + System.getProperty("java.version") + "\t" + tzdb);
        String[] ids = TimeZone.getAvailableIDs();
        Arrays.sort(ids);
        for (String id : ids) {
            TimeZone tz = TimeZone.getTimeZone(id);
            ZoneRules rules = tz.toZoneId().getRules();
            StringBuilder offsets = new StringBuilder();
            for (Instant instant : instants) {
                int seconds = tz.getOffset(instant.toEpochMilli()) / 1000;
                // The legacy and the java.time APIs must agree, or "what Java computes" is ambiguous.
                if (seconds != rules.getOffset(instant).getTotalSeconds()) {
                    throw new IllegalStateException(id + " disagrees with itself at " + instant);
                }
                offsets.append(offsets.length() == 0 ? "" : ",").append(seconds);
            }
            String fixed = rules.isFixedOffset()
                    ? String.valueOf(rules.getOffset(Instant.EPOCH).getTotalSeconds())
                    : "-";
            String posix = posix(rules);
            System.out.println(String.join("\t", id, tz.toZoneId().getId(), fixed,
                    posix == null ? "-" : posix, offsets));
        }
    }

    /** The zone's rule for future years as a POSIX TZ string, or null if it has none. */
    static String posix(ZoneRules rules) {
        List<ZoneOffsetTransitionRule> pair = rules.getTransitionRules();
        if (pair.size() != 2) {
            return null;
        }
        // DST starts when the offset leaves the standard offset.
        boolean firstStarts = pair.get(0).getOffsetBefore().equals(pair.get(0).getStandardOffset());
        ZoneOffsetTransitionRule start = pair.get(firstStarts ? 0 : 1);
        ZoneOffsetTransitionRule end = pair.get(firstStarts ? 1 : 0);
        if (!end.getOffsetAfter().equals(end.getStandardOffset())) {
            return null;
        }
        String startDate = date(start);
        String endDate = date(end);
        if (startDate == null || endDate == null) {
            return null;
        }
        ZoneOffset std = start.getOffsetBefore();
        ZoneOffset dst = start.getOffsetAfter();
        return abbreviation(std) + hours(-std.getTotalSeconds())
                + abbreviation(dst) + hours(-dst.getTotalSeconds())
                + "," + startDate + "," + endDate;
    }

    /** "Mm.w.d/time": POSIX counts the time in the wall clock in force before the change. */
    static String date(ZoneOffsetTransitionRule rule) {
        if (rule.getDayOfWeek() == null) {
            return null;
        }
        Month month = rule.getMonth();
        int day = rule.getDayOfMonthIndicator();
        int week;
        if (day > 0 && day <= 22 && day % 7 == 1) {
            week = (day + 6) / 7;
        } else if (day == month.minLength() - 6 && month.minLength() == month.maxLength()
                || day == -1) {
            week = 5; // the last such week day of the month
        } else {
            return null;
        }
        LocalDateTime local = LocalDateTime.of(2001, month, 1, 0, 0)
                .plusSeconds(rule.getLocalTime().toSecondOfDay())
                .plusDays(rule.isMidnightEndOfDay() ? 1 : 0);
        LocalDateTime wall = rule.getTimeDefinition()
                .createDateTime(local, rule.getStandardOffset(), rule.getOffsetBefore());
        long seconds = java.time.Duration.between(LocalDateTime.of(2001, month, 1, 0, 0), wall)
                .getSeconds();
        int dayOfWeek = rule.getDayOfWeek().getValue() % 7; // POSIX: 0 = Sunday
        return "M" + month.getValue() + "." + week + "." + dayOfWeek + "/" + hours((int) seconds);
    }

    /** As tzdata names unnamed zones: "<-05>", "<+0530>". */
    static String abbreviation(ZoneOffset offset) {
        int s = offset.getTotalSeconds();
        String text = String.format("%s%02d", s < 0 ? "-" : "+", Math.abs(s) / 3600);
        return "<" + text + (s % 3600 == 0 ? "" : String.format("%02d", Math.abs(s) / 60 % 60)) + ">";
    }

    /** Seconds as POSIX [-]hh[:mm[:ss]]. */
    static String hours(int seconds) {
        String sign = seconds < 0 ? "-" : "";
        int s = Math.abs(seconds);
        String text = sign + (s / 3600);
        if (s % 3600 != 0) {
            text += String.format(":%02d", s / 60 % 60);
        }
        if (s % 60 != 0) {
            text += String.format(":%02d", s % 60);
        }
        return text;
    }
}
