import type { CSSProperties, ReactNode } from "react";

export interface TableColumn {
  label: ReactNode;
  /** Right-aligned figures. */
  numeric?: boolean;
  className?: string;
}

/**
 * A captioned data table in a wrapper that scrolls sideways on phones. The wrapper takes focus
 * (tabIndex 0) so that keyboard users can scroll it too; the caption names the table for screen
 * readers. `children` are the body rows.
 */
export function Table({ caption, columns, testId, style, children }: {
  caption: string;
  columns?: TableColumn[];
  testId?: string;
  style?: CSSProperties;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap" tabIndex={0} style={style}>
      <table data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        {columns && (
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} scope="col" className={[c.numeric ? "num" : "", c.className ?? ""].join(" ").trim() || undefined}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
        )}
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
