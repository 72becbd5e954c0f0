#pragma once
// The Studies tab: the studies in the open store (runs tagged by `hpt study`),
// and for the one selected the same report `hpt study` writes — the table with
// ratios to the full arm and the paired quality test, and the cost, loss and
// Pareto charts — with export of study.md/.csv/.json and the charts.
#include <QJsonObject>
#include <QWidget>
#include <memory>

class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QTabWidget;
class QTextBrowser;

namespace hpt {
class Store;
}

namespace hpt::gui {

class StudiesView : public QWidget {
    Q_OBJECT
public:
    explicit StudiesView(QWidget* parent = nullptr);
    ~StudiesView() override;
    // Opens the store at `path` read-only (its own connection, so the window may swap
    // stores freely) and lists its studies, keeping the selection when it is still there.
    void setStore(const QString& path);
    QStringList studyIds() const;
    // Shows study `id`; false when the store has no such study.
    bool openStudy(const QString& id);
    const QJsonObject& report() const { return report_; }
    QTextBrowser* table() const { return table_; }
    QCustomPlot* chart(const QString& name) const;  // cost, loss, pareto
    QListWidget* list() const { return list_; }

public slots:
    void refresh();
    // Writes study.md/.csv/.json and the charts (PNG, SVG) to `dir`; asks for a folder when empty.
    bool exportTo(QString dir = QString());

private:
    void show(const QString& id);
    std::unique_ptr<Store> store_;
    QString storePath_;
    QJsonObject report_;
    QListWidget* list_;
    QDoubleSpinBox* alpha_;
    class SmoothingControl* smoothing_;
    QLabel* title_;
    QTabWidget* tabs_;
    QTextBrowser* table_;
    QCustomPlot *cost_, *loss_, *pareto_;
};

}  // namespace hpt::gui
